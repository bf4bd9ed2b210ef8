import { mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildApp } from '../../app.ts'
import { type Config, loadConfig } from '../../config.ts'
import type { Ctx } from '../../context.ts'
import { connect } from '../../db/connect.ts'
import { migrateToLatest } from '../../db/migrator.ts'
import { createLogger } from '../../logger.ts'
import { localDate } from '../../modules/cycle/cycle-dates.ts'
import { paramsFromConfig } from '../../modules/cycle/cycle.params.ts'
import { runDemo } from '../../modules/demo/demo.service.ts'
import { resolveCodeSecret } from '../../modules/codes/code-secret.ts'
import { listModelSettings } from '../../modules/predictions/household-scorer.ts'
import { segmentParams } from '../../modules/segments/segments.model.ts'
import { phaseBars } from '../phase-bars.ts'
import { CliError } from '../runtime.ts'
import { CYCLE_UNITS } from './cycle.ts'
import { demoReport } from './demo-report.ts'

// `pantry demo` (npm run demo): everything from an empty state, in about a minute. Its own state is
// kept apart and wiped at every start: PANTRY_DATA_DIR/demo (embedded database, code secret), or
// with DATABASE_URL a database named pantry_demo on that server, dropped and created again.

export const DEMO_DATABASE = 'pantry_demo'

interface DemoFlags {
  households: string
  days: string
  out: string
  threads?: string
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('seed a chain, post baskets through the API, run a list cycle, print PDFs, redeem offers: from scratch')
    .option('--households <n>', 'households in the chain', '400')
    .option('--days <n>', 'days of history, ending yesterday', '365')
    .option('--out <dir>', 'the lists go to DIR/<cycle date>', 'out')
    .option('--threads <n>', 'render threads (default: one per core)')
    .action(async (flags: DemoFlags) => {
      const started = Date.now()
      const households = whole('--households', flags.households, 20, 20_000)
      const days = whole('--days', flags.days, 60, 1_000)
      const threads = flags.threads === undefined ? undefined : whole('--threads', flags.threads, 0, 64)
      let dataDir = ''
      const summary = await withDemoRuntime(async (config, rt) => {
        dataDir = config.dataDir
        const start = localDate(new Date(), config.storeTimeZone)
        const outDir = path.resolve(flags.out, start)
        rmSync(outDir, { recursive: true, force: true })
        const bars = phaseBars({ ...CYCLE_UNITS, generate: 'days', post: 'baskets' })
        try {
          return await runDemo(rt.ctx, rt.app, {
            households,
            days,
            liveDays: 14,
            seed: 1,
            stores: 5,
            cycleStart: start,
            cycleParams: paramsFromConfig(config, start, outDir),
            secret: rt.secret,
            threads,
            step: (title) => (bars.stop(), process.stderr.write(`${title}\n`)),
            progress: process.stderr.isTTY ? bars.update : undefined,
          })
        } finally {
          bars.stop()
        }
      })
      process.stdout.write(demoReport(summary, { seconds: (Date.now() - started) / 1000, households, dataDir }))
    })
}

function whole(name: string, v: string, min: number, max: number): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${name} must be a whole number from ${min} to ${max}, got '${v}'`, 2)
  return n
}

/** DATABASE_URL's server with a fresh pantry_demo database on it. */
async function freshDatabase(url: string): Promise<string> {
  const target = new URL(url)
  const admin = new URL(url)
  if (admin.pathname.replace('/', '') === DEMO_DATABASE) admin.pathname = '/postgres'
  const client = new pg.Client({ connectionString: admin.toString() })
  await client.connect()
  try {
    await client.query(`DROP DATABASE IF EXISTS ${DEMO_DATABASE} WITH (FORCE)`)
    await client.query(`CREATE DATABASE ${DEMO_DATABASE}`)
  } finally {
    await client.end()
  }
  target.pathname = `/${DEMO_DATABASE}`
  return target.toString()
}

interface DemoRuntime {
  readonly ctx: Ctx
  readonly app: FastifyInstance
  readonly secret: string
}

/**
 * The demo's composition root: a wiped data directory (and database), quiet logs unless asked
 * (LOG_LEVEL=debug shows everything), the HTTP API listening on a free loopback port.
 */
async function withDemoRuntime<T>(fn: (config: Config, rt: DemoRuntime) => Promise<T>): Promise<T> {
  const base = loadConfig()
  const dataDir = path.join(base.dataDir, 'demo')
  rmSync(dataDir, { recursive: true, force: true })
  mkdirSync(dataDir, { recursive: true })
  const url = base.db.url ? await freshDatabase(base.db.url) : undefined
  const level = base.log.level === 'info' ? 'warn' : base.log.level
  const config: Config = { ...base, dataDir, db: { ...base.db, url }, log: { ...base.log, level } }
  const log = createLogger(config, { cmd: 'demo' })
  const conn = await connect(config, log, 'pantry demo')
  const onSignal = () => void conn.close().finally(() => process.exit(130))
  process.once('SIGINT', onSignal)
  try {
    await migrateToLatest(conn.db)
    const secret = await resolveCodeSecret(config)
    const app = await buildApp({ db: conn.db, log, bodyLimit: config.http.bodyLimit, segments: segmentParams(config), predictions: listModelSettings(config), redemption: { codeSecret: secret, timeZone: config.storeTimeZone } })
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      return await fn(config, { ctx: { db: conn.db, log, now: () => new Date() }, app, secret })
    } finally {
      await app.close()
    }
  } finally {
    process.off('SIGINT', onSignal)
    await conn.close()
  }
}
