import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { Kysely, PostgresDialect, type PostgresPoolClient } from 'kysely'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import type { DB } from '../../db/schema.ts'

/**
 * One pooled connection held for a whole import: its temporary tables live as long as it does.
 * `db` runs Kysely queries on it; `copyIn` streams rows to it with COPY FROM STDIN, which Kysely
 * cannot do and which costs PostgreSQL about a third of what INSERT … SELECT FROM unnest() costs.
 */
export interface Session {
  readonly db: Kysely<DB>
  copyIn(statement: string): CopyIn
  /** Back to the pool; a session that failed is closed instead (it may be mid-COPY). */
  release(failed: boolean): void
}

export async function openSession(pool: pg.Pool): Promise<Session> {
  const client = await pool.connect()
  // Kysely over this one client: every query it runs goes to this session, and "releasing" it
  // after each query must not hand the client back to the pool.
  const pinned: PostgresPoolClient = {
    query: client.query.bind(client) as PostgresPoolClient['query'],
    processID: (client as { processID?: number }).processID,
    release: () => {},
  }
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: { connect: async () => pinned, end: async () => {}, options: {} } }) })
  return {
    db,
    copyIn: (statement) => new CopyIn(client, statement),
    release: (failed) => client.release(failed),
  }
}

/** A running COPY FROM STDIN: write data in the COPY's format (text or binary), then end() to finish it. */
export class CopyIn {
  private readonly stream: Writable
  private readonly done: Promise<void>

  constructor(client: pg.PoolClient, statement: string) {
    this.stream = client.query(copyFrom(statement))
    this.done = finished(this.stream)
    // observed by write() and end(); without this an early failure would be an unhandled rejection
    this.done.catch(() => {})
  }

  /** Resolves at once unless the socket is backed up (then when it drains); rejects if COPY failed. */
  async write(data: string | Uint8Array): Promise<void> {
    if (!this.stream.write(data)) await Promise.race([once(this.stream, 'drain'), this.done])
  }

  async end(): Promise<void> {
    this.stream.end()
    await this.done
  }
}
