import { type Config, ConfigError, loadConfig } from '../config.ts'
import type { Ctx } from '../context.ts'
import { type Connection, connect } from '../db/connect.ts'
import { migrateToLatest } from '../db/migrator.ts'
import { AppError } from '../errors.ts'
import { createLogger, type Logger } from '../logger.ts'

/** Thrown by a command to exit with a message and a status without a stack trace. */
export class CliError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode = 1) {
    super(message)
    this.exitCode = exitCode
  }
}

export interface CliRuntime {
  readonly config: Config
  readonly log: Logger
  readonly conn: Connection
  readonly ctx: Ctx
}

/**
 * The CLI's composition root: config → logger → database (embedded or DATABASE_URL) → migrations.
 * Every command runs inside it and the database is closed (and the embedded server stopped) after.
 */
export async function withRuntime<T>(
  name: string,
  fn: (rt: CliRuntime) => Promise<T>,
  opts: { migrate?: boolean; handleSignals?: boolean } = {},
): Promise<T> {
  const config = loadConfig()
  const log = createLogger(config, { cmd: name })
  const conn = await connect(config, log, `pantry ${name}`)
  // Ctrl-C or a TERM from a scheduler: close the pool and stop the embedded server before leaving.
  // Work is transactional, so an interrupted command leaves nothing half-written.
  const onSignal = (signal: NodeJS.Signals) => {
    log.warn({ signal }, 'interrupted; closing the database')
    void conn.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  }
  if (opts.handleSignals ?? true) {
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  }
  try {
    if (opts.migrate ?? true) await migrateToLatest(conn.db)
    return await fn({ config, log, conn, ctx: { db: conn.db, log, now: () => new Date() } })
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await conn.close()
  }
}

/** Prints an error as one clear line (no stack for expected failures) and sets the exit code. */
export function reportCliError(err: unknown): number {
  if (err instanceof CliError) {
    process.stderr.write(`pantry: ${err.message}\n`)
    return err.exitCode
  }
  if (err instanceof ConfigError || err instanceof AppError) {
    process.stderr.write(`pantry: ${err.message}\n`)
    return 2
  }
  process.stderr.write(`pantry: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  return 1
}
