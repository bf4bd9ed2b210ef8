import pino, { type BaseLogger, type Logger } from 'pino'
import type { Config } from './config.ts'

export type { Logger }

/** The logging surface services use: satisfied by pino loggers and by Fastify's request.log. */
export interface Log extends Pick<BaseLogger, 'level' | 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'> {
  child(bindings: Record<string, unknown>): Log
}

/** Root logger shared by the server (as Fastify's loggerInstance) and the CLI. Logs go to stderr
 * so that CLI stdout stays machine-readable (keys, NDJSON, JSON stats). */
export function createLogger(config: Pick<Config, 'log'>, bindings: Record<string, string> = {}): Logger {
  const redact = {
    paths: ['req.headers.authorization', 'headers.authorization', '*.password', '*.apiKey', '*.secret'],
    censor: '[redacted]',
  }
  if (config.log.pretty) {
    return pino({
      level: config.log.level,
      redact,
      base: bindings,
      transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    })
  }
  return pino({ level: config.log.level, redact, base: bindings }, pino.destination({ fd: 2, sync: false }))
}
