import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, inject } from 'vitest'
import type { Ctx } from '../../src/context.ts'
import { createDb, type Database } from '../../src/db/database.ts'
import { createLogger } from '../../src/logger.ts'
import { adminQuery, withDatabase } from '../global-setup.ts'

export const testLog = createLogger({ log: { level: 'silent', pretty: false } })

export interface TestDb extends Database {
  readonly name: string
  readonly ctx: Ctx
  /** Empties every table (keeps the schema and partitions). */
  truncate(): Promise<void>
}

/**
 * A fresh database for one test file, cloned from the migrated template; dropped after the file.
 * `now` defaults to the real clock; pass one to replay a date.
 */
export async function createTestDb(opts: { now?: () => Date; poolSize?: number } = {}): Promise<TestDb> {
  const adminUrl = inject('adminUrl')
  const name = `pantry_t_${randomBytes(5).toString('hex')}`
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${inject('templateDb')}`)
  const database = createDb(withDatabase(adminUrl, name), testLog, { poolSize: opts.poolSize ?? 10 })
  afterAll(async () => {
    await database.db.destroy()
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  })
  return {
    ...database,
    name,
    ctx: { db: database.db, log: testLog, now: opts.now ?? (() => new Date()) },
    async truncate() {
      const tables = await sql<{ name: string }>`
        SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND c.relname NOT LIKE 'kysely_%'`.execute(database.db)
      if (tables.rows.length === 0) return
      await sql.raw(`TRUNCATE ${tables.rows.map((t) => `"${t.name}"`).join(', ')} RESTART IDENTITY CASCADE`).execute(database.db)
    },
  }
}
