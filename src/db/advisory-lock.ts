import { createHash } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { DB } from './schema.ts'

// Session-level advisory locks on one pinned connection (immich's withLock pattern): the lock lives
// as long as that connection, so a crashed or killed process releases it with its socket and a
// stale lock can never block the next run. The work itself runs on the pool, not on the pinned
// connection, so it can open its own transactions.

/** Thrown when another session holds the lock. */
export class LockBusyError extends Error {
  readonly lockName: string
  constructor(lockName: string) {
    super(`another process holds the lock "${lockName}"`)
    this.lockName = lockName
  }
}

/**
 * The int8 key of a named lock: the first 8 bytes of SHA-256 of the name, as a signed decimal.
 * Names keep keys of different jobs apart without a registry of numbers.
 */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(`pantry:${name}`).digest().readBigInt64BE(0).toString()
}

/**
 * Runs `fn` while holding the session advisory lock `name`; throws LockBusyError at once (no
 * waiting) when another session holds it. The lock is released when `fn` settles.
 */
export async function withAdvisoryLock<T>(db: Kysely<DB>, name: string, fn: () => Promise<T>): Promise<T> {
  const key = advisoryKey(name)
  return db.connection().execute(async (conn) => {
    const r = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${key}::int8) AS locked`.execute(conn)
    if (!r.rows[0]?.locked) throw new LockBusyError(name)
    try {
      return await fn()
    } finally {
      await sql`SELECT pg_advisory_unlock(${key}::int8)`.execute(conn)
    }
  })
}

/**
 * Transaction-level advisory lock: waits for it and holds it until `trx` commits or rolls back.
 * For short critical sections that must see each other's committed writes (budget checks).
 */
export async function lockForTransaction(trx: Kysely<DB>, name: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${advisoryKey(name)}::int8)`.execute(trx)
}
