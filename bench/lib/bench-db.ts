import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { loadConfig } from '../../src/config.ts'
import { createDb, type Database } from '../../src/db/database.ts'
import { startEmbedded } from '../../src/db/embedded.ts'
import { migrateToLatest } from '../../src/db/migrator.ts'
import { createLogger } from '../../src/logger.ts'

export const benchLog = createLogger({ log: { level: 'warn', pretty: false } })

export interface BenchDb extends Database {
  /** Drops the database (and stops the embedded server when the bench started one). */
  dispose(): Promise<void>
}

/**
 * A fresh, migrated database for one benchmark run: a new database on DATABASE_URL's server when
 * set, else an embedded server in a temporary directory. Benchmarks never touch real data.
 */
export async function createBenchDb(poolSize = 10): Promise<BenchDb> {
  const config = loadConfig()
  let stop = async () => {}
  let dir: string | undefined
  let adminUrl = config.db.url
  if (!adminUrl) {
    dir = await mkdtemp(path.join(tmpdir(), 'pantry-bench-'))
    const server = await startEmbedded(dir, benchLog)
    adminUrl = server.url
    stop = server.stop
  }
  const name = `pantry_bench_${randomBytes(4).toString('hex')}`
  await admin(adminUrl, `CREATE DATABASE ${name}`)
  const u = new URL(adminUrl)
  u.pathname = `/${name}`
  const database = createDb(u.toString(), benchLog, { poolSize })
  await migrateToLatest(database.db)
  return {
    ...database,
    async dispose() {
      await database.db.destroy()
      await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await stop()
      if (dir) await rm(dir, { recursive: true, force: true })
    },
  }
}

async function admin(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  await c.query(text).finally(() => c.end())
}

export { mulberry32 } from '../../src/modules/seed/prng.ts'

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}
