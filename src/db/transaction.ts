import type { Kysely } from 'kysely'
import type { DB } from './schema.ts'
import { DEADLOCK_DETECTED, SERIALIZATION_FAILURE, sqlState } from './sql-state.ts'

/**
 * Runs `fn` in a transaction, or inside the caller's when `db` already is one: Kysely refuses
 * to nest transactions, and a strict import wraps a whole file in one around many service calls.
 */
export function withTransaction<T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn)
}

/**
 * Retries `fn` when PostgreSQL aborted it as a deadlock victim (40P01) or a serialization failure
 * (40001): concurrent writers touching overlapping rows in different orders; the retry succeeds.
 */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn()
    } catch (err) {
      const code = sqlState(err)
      if (i >= attempts || (code !== DEADLOCK_DETECTED && code !== SERIALIZATION_FAILURE)) throw err
    }
  }
}
