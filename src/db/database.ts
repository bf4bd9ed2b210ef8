import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Logger } from '../logger.ts'
import type { DB } from './schema.ts'

// node-postgres returns int8 and numeric as strings and turns DATE into a local-time Date.
// Pantry's int8 values (ids, cents totals) stay far below 2^53, quantities are numeric(12,3),
// and dates are calendar days: parse them to number, number and 'YYYY-MM-DD'.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v))
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v)

export interface Database {
  readonly db: Kysely<DB>
  readonly pool: pg.Pool
  readonly url: string
}

export function createDb(url: string, log: Logger, opts: { poolSize?: number; appName?: string } = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    application_name: opts.appName ?? 'pantry',
    connectionTimeoutMillis: 5_000,
    // Every session in UTC, so date_trunc and day arithmetic never depend on the server's zone.
    options: '-c TimeZone=UTC',
  })
  pool.on('error', (err) => log.error({ err }, 'idle PostgreSQL client error'))
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
  pools.set(db, pool)
  return { db, pool, url }
}

const pools = new WeakMap<Kysely<DB>, pg.Pool>()

/** The pg pool behind a Kysely instance made by createDb: for COPY and prepared statements (prepared.ts), which Kysely cannot run. */
export function poolOf(db: Kysely<DB>): pg.Pool | undefined {
  return pools.get(db)
}
