import type { Kysely } from 'kysely'
import type { DB } from './schema.ts'

/**
 * Runs `fn` in a transaction, or inside the caller's when `db` already is one: Kysely refuses
 * to nest transactions, and a strict import wraps a whole file in one around many service calls.
 */
export function withTransaction<T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn)
}
