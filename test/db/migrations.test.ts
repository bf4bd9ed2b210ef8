import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createMigrator, unwrap } from '../../src/db/migrator.ts'
import { createTestDb } from '../helpers/db.ts'

const tdb = await createTestDb()

async function tables(): Promise<string[]> {
  const r = await sql<{ t: string }>`
    SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'kysely_%' ORDER BY 1`.execute(tdb.db)
  return r.rows.map((x) => x.t)
}

describe('migrations', () => {
  it('go up, all the way down, and up again to the same schema', async () => {
    const before = await tables()
    expect(before).toEqual(expect.arrayContaining(['store', 'product', 'household', 'loyalty_card', 'api_key', 'pos_transaction', 'transaction_line']))
    const migrator = createMigrator(tdb.db)
    const all = (await migrator.getMigrations()).length
    for (let i = 0; i < all; i++) unwrap(await migrator.migrateDown())
    expect(await tables()).toEqual([])
    unwrap(await migrator.migrateToLatest())
    expect(await tables()).toEqual(before)
  })

  it('partitions transaction lines by UTC month, creating a month on demand', async () => {
    await sql`SELECT pantry_ensure_line_partition('2026-03-31T23:30:00-05:00')`.execute(tdb.db)
    await sql`SELECT pantry_ensure_line_partition('2026-04-01T04:30:00Z')`.execute(tdb.db)
    const parts = await sql<{ t: string }>`
      SELECT c.relname AS t FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'transaction_line'::regclass ORDER BY 1`.execute(tdb.db)
    // 23:30 at -05:00 on March 31 is 04:30 UTC on April 1: one partition, April.
    expect(parts.rows.map((r) => r.t)).toEqual(['transaction_line_2026_04'])
  })
})
