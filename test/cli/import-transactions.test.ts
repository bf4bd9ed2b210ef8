import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { importTransactionsFile } from '../../src/modules/imports/transactions.import.ts'
import { contentHash } from '../../src/modules/transactions/transactions.service.ts'
import { type CompleteJourneyFixture, writeCompleteJourneyFixture } from '../fixtures/completejourney.ts'
import { withDatabase } from '../global-setup.ts'
import { createTestDb } from '../helpers/db.ts'

const tdb = await createTestDb()
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const HEADER = 'transaction_id,store_id,lane,card_number,occurred_at,sku,quantity,unit_price,discount'
let dir: string
let cj: CompleteJourneyFixture

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pantry-import-tx-'))
  cj = await writeCompleteJourneyFixture(path.join(dir, 'cj.csv'), { rows: 3000 })
})
afterAll(() => rm(dir, { recursive: true, force: true }))
beforeEach(() => tdb.truncate())

async function csvFile(name: string, rows: string[]): Promise<string> {
  const file = path.join(dir, name)
  await writeFile(file, `${HEADER}\n${rows.join('\n')}\n`)
  return file
}

const importFile = (file: string, opts: { strict?: boolean; bucketBytes?: number; threads?: number; inMemoryBytes?: number } = {}) =>
  importTransactionsFile(tdb.ctx, file, { ...opts, progress: false })

/** Every stored basket with its lines, to compare two imports of the same file. */
async function storedBaskets() {
  const r = await sql<{ key: string; total_cents: number; line_count: number; content_hash: string; household: string | null; lines: string }>`
    SELECT p.store_id || '/' || p.pos_transaction_id AS key, p.total_cents, p.line_count, p.content_hash, h.external_id AS household,
      string_agg(l.line_no || ':' || l.sku || ':' || l.quantity || ':' || l.unit_price_cents || ':' || l.discount_cents || ':' || l.occurred_at, ' ' ORDER BY l.line_no) AS lines
    FROM pos_transaction p JOIN transaction_line l ON l.transaction_id = p.id AND l.household_id = p.household_id
    LEFT JOIN household h ON h.id = p.household_id
    GROUP BY p.store_id, p.pos_transaction_id, h.external_id ORDER BY 1`.execute(tdb.db)
  return r.rows
}

async function counts() {
  const r = await sql<{ baskets: number; lines: number; households: number; products: number }>`
    SELECT (SELECT count(*) FROM pos_transaction)::int AS baskets, (SELECT count(*) FROM transaction_line)::int AS lines,
      (SELECT count(*) FROM household)::int AS households, (SELECT count(*) FROM product)::int AS products`.execute(tdb.db)
  return r.rows[0]!
}

/** What the fixture should become, computed from its source rows without the importer. */
function expectedFromFixture(f: CompleteJourneyFixture) {
  const baskets = new Map<string, { card: string; lines: typeof f.lines; total: number }>()
  for (const l of f.lines) {
    const key = `${l.storeId}/${l.basketId}`
    const b = baskets.get(key) ?? { card: l.card, lines: [], total: 0 }
    b.lines = [...b.lines, l]
    b.total += Math.round(l.quantity * l.unitPriceCents) - l.discountCents
    baskets.set(key, b)
  }
  return { baskets, households: new Set(f.lines.map((l) => l.card)).size }
}

describe('pantry import transactions', () => {
  it('imports the Complete Journey sample, baskets scattered through the file', async () => {
    const want = expectedFromFixture(cj)
    // the fixture really does scatter baskets: no basket's rows are all adjacent
    const keys = cj.lines.map((l) => `${l.storeId}/${l.basketId}`)
    const adjacent = keys.filter((k, i) => i > 0 && k === keys[i - 1]).length
    expect(adjacent).toBe(0)

    const s = await importFile(cj.file)
    expect(s).toMatchObject({ imported: cj.lines.length, duplicates: 0, rejected: 0, errors: [] })
    const c = await counts()
    expect(c.baskets).toBe(want.baskets.size)
    expect(c.lines).toBe(cj.lines.length)
    expect(c.households).toBe(want.households)

    const stored = await sql<{ store_id: string; pos_transaction_id: string; total_cents: number; line_count: number; skus: string[]; line_nos: number[]; source: string }>`
      SELECT p.store_id, p.pos_transaction_id, p.total_cents, p.line_count, p.source,
        array_agg(l.sku ORDER BY l.line_no) AS skus, array_agg(l.line_no ORDER BY l.line_no) AS line_nos
      FROM pos_transaction p JOIN transaction_line l ON l.transaction_id = p.id AND l.household_id = p.household_id
      GROUP BY p.store_id, p.pos_transaction_id`.execute(tdb.db)
    for (const b of stored.rows) {
      const w = want.baskets.get(`${b.store_id}/${b.pos_transaction_id}`)!
      expect(b.total_cents).toBe(w.total)
      expect(b.line_count).toBe(w.lines.length)
      expect(b.line_nos).toEqual(w.lines.map((_, i) => i + 1))
      // line_no follows the order of the rows in the file
      expect(b.skus).toEqual(w.lines.map((l) => l.sku))
      expect(b.source).toBe('import')
    }
  })

  it('gives the same result when the file is split into many buckets assembled by a worker thread', async () => {
    await importFile(cj.file)
    const whole = await storedBaskets()
    await tdb.truncate()
    // ~16 KiB buckets: the 3,000-row fixture goes through about 20 of them
    const s = await importFile(cj.file, { bucketBytes: 16_384, threads: 1 })
    expect(s).toMatchObject({ imported: cj.lines.length, duplicates: 0, rejected: 0, errors: [] })
    expect(await storedBaskets()).toEqual(whole)
    expect(await importFile(cj.file, { bucketBytes: 16_384, threads: 1 })).toMatchObject({ imported: 0, duplicates: cj.lines.length, rejected: 0 })
  })

  it('gives the same result and the same reports whether the file is held in memory or split into bucket files', async () => {
    // a BOM, CRLF, empty lines, white space around keys, bad rows, and a basket's rows far apart
    const lines = [
      'A1,S1,1,111,2026-03-02T10:00:00-05:00,SKU1,1,3.49,',
      '',
      ' B1 ,S1 ,1,222,2026-03-02T11:00:00-05:00,SKU2,abc,1.00,',
      ...cj.lines.slice(0, 600).map((l) => `${l.basketId},${l.storeId},,${l.card},${l.occurredAt},${l.sku},${l.quantity},${(l.unitPriceCents / 100).toFixed(2)},`),
      'B1,S1,1,222,2026-03-02T11:00:00-05:00,SKU3,1,2.00,',
      'A1, S1,1,111,2026-03-02T15:00:00Z,SKU2,2,1.25,0.10',
      'C1,S2,1,,2026-03-02T12:00:00Z,SKU1,1,3.49',
      '',
      'A1,S1,1,111,2026-03-02T10:00:00-05:00,Ünïcode,1,1.00,',
    ]
    const file = path.join(dir, 'memory.csv')
    await writeFile(file, `\uFEFF${HEADER}\r\n${lines.join('\r\n')}\r\n`)
    const results = []
    for (const opts of [{}, { inMemoryBytes: 0 }, { bucketBytes: 4096 }, { bucketBytes: 4096, inMemoryBytes: 0 }]) {
      await tdb.truncate()
      results.push({ summary: await importFile(file, { ...opts, threads: 0 }), stored: await storedBaskets() })
    }
    // line 4: bad quantity, 605: its basket's other row, 607: 8 fields
    expect(results[0]!.summary.rejected).toBe(3)
    expect(results[0]!.summary.errors.map((e) => e.line)).toEqual([4, 605, 607])
    // A1's rows (lines 2, 606, 609), the same instant however written, and the key's white space trimmed
    expect(results[0]!.stored.find((b) => b.key === 'S1/A1')?.line_count).toBe(3)
    expect(results[0]!.stored.length).toBeGreaterThan(10)
    for (const r of results.slice(1)) expect(r).toEqual(results[0])
  })

  it('--strict with many buckets: nothing when a row of any bucket is bad, everything otherwise', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => `T${i % 97},S${i % 7},1,${i % 5},2026-03-02T10:${String(i % 97 % 60).padStart(2, '0')}:00Z,SKU${i % 13},1,1.00,`)
    const bad = await csvFile('strict-buckets.csv', [...rows.slice(0, 300), 'T5,S5,1,5,2026-03-02T10:05:00Z,SKU1,x,1.00,', ...rows.slice(300)])
    const s = await importFile(bad, { strict: true, bucketBytes: 1024, threads: 0 })
    expect(s).toMatchObject({ imported: 0, duplicates: 0 })
    expect(s.errors).toEqual([
      { line: 7, reason: 'basket T5 of store S5 has a bad row at line 302' },
      { line: 302, reason: expect.stringMatching(/quantity "x"/) },
    ])
    expect(await counts()).toEqual({ baskets: 0, lines: 0, households: 0, products: 0 })
    const good = await csvFile('strict-buckets-ok.csv', rows)
    expect(await importFile(good, { strict: true, bucketBytes: 1024, threads: 0 })).toMatchObject({ imported: 400, rejected: 0 })
    expect(await importFile(good, { strict: true, bucketBytes: 1024, threads: 0 })).toMatchObject({ imported: 0, duplicates: 400, rejected: 0 })
    expect((await counts()).lines).toBe(400)
  })

  it('changes nothing when the same file is imported again', async () => {
    await importFile(cj.file)
    const before = await counts()
    const again = await importFile(cj.file)
    expect(again).toMatchObject({ imported: 0, duplicates: cj.lines.length, rejected: 0 })
    expect(await counts()).toEqual(before)
  })

  it('imports the rest of a file whose first baskets were imported before, in every bucket', async () => {
    // the first half of the baskets (by their first row) in a file of their own
    const firstHalf = new Set([...expectedFromFixture(cj).baskets.keys()].slice(0, 150))
    const head = cj.lines.filter((l) => firstHalf.has(`${l.storeId}/${l.basketId}`))
    const rows = (await readFile(cj.file, 'utf8')).trimEnd().split('\n').slice(1)
    const headRows = rows.filter((r) => {
      const [txn, store] = r.split(',')
      return firstHalf.has(`${store}/${txn}`)
    })
    expect(headRows.length).toBe(head.length)
    expect(await importFile(await csvFile('cj-head.csv', headRows))).toMatchObject({ imported: head.length, duplicates: 0 })
    const once = await storedBaskets()
    for (const opts of [{}, { bucketBytes: 16_384, threads: 0 }]) {
      await tdb.truncate()
      await importFile(await csvFile('cj-head.csv', headRows))
      const all = await importFile(cj.file, opts)
      expect(all).toMatchObject({ imported: cj.lines.length - head.length, duplicates: head.length, rejected: 0 })
      const stored = await storedBaskets()
      expect(stored.length).toBe(expectedFromFixture(cj).baskets.size)
      // the baskets imported first are as they were
      expect(stored.filter((b) => firstHalf.has(b.key))).toEqual(once)
    }
  })

  it('writes each basket once when two imports of the same file run at once', async () => {
    // one of them in many buckets: its baskets are written by several transactions, in another order
    const [a, b] = await Promise.all([importFile(cj.file), importFile(cj.file, { bucketBytes: 16_384, threads: 0 })])
    expect(a.imported + b.imported).toBe(cj.lines.length)
    expect(a.duplicates + b.duplicates).toBe(cj.lines.length)
    expect((await counts()).lines).toBe(cj.lines.length)
  })

  it('stores the content hash the POS API computes for the same basket', async () => {
    const file = await csvFile('hash.csv', [
      'H1,S1,4,777,2026-03-02T10:15:00.123456-05:00,SKU "1",2.000,3.49,',
      'H2,S1,,,2026-03-02T11:00:00Z,SKU9,1,1.00,',
      'H1,S1,4,777,2026-03-02T10:15:00.123456-05:00,SKU2,-0.455,2.00,0.10',
    ])
    await importFile(file)
    const stored = await sql<{ id: string; content_hash: string }>`SELECT pos_transaction_id AS id, content_hash FROM pos_transaction ORDER BY 1`.execute(tdb.db)
    const api = (b: { id: string; lane: string; cardNumber: string | null; occurredAt: string; items: { sku: string; quantity: number; unitPriceCents: number; discountCents?: number }[] }) =>
      contentHash({ storeId: 'S1', ...b })
    expect(stored.rows).toEqual([
      {
        id: 'H1',
        content_hash: api({
          id: 'H1', lane: '4', cardNumber: '777', occurredAt: '2026-03-02T10:15:00.123456-05:00',
          items: [{ sku: 'SKU "1"', quantity: 2, unitPriceCents: 349, discountCents: 0 }, { sku: 'SKU2', quantity: -0.455, unitPriceCents: 200, discountCents: 10 }],
        }),
      },
      { id: 'H2', content_hash: api({ id: 'H2', lane: '', cardNumber: null, occurredAt: '2026-03-02T11:00:00Z', items: [{ sku: 'SKU9', quantity: 1, unitPriceCents: 100 }] }) },
    ])
  })

  it('reads a gzip-compressed file', async () => {
    const gz = await writeCompleteJourneyFixture(path.join(dir, 'cj.csv.gz'), { rows: 500, gzip: true })
    const s = await importFile(gz.file)
    expect(s).toMatchObject({ imported: gz.lines.length, rejected: 0 })
    expect((await counts()).lines).toBe(gz.lines.length)
  })

  it('skips bad rows with their line number and reason, and the whole basket of a bad row', async () => {
    const file = await csvFile('bad.csv', [
      'A1,S1,1,111,2026-03-02T10:00:00-05:00,SKU1,1,3.49,', // line 2
      'B1,S1,1,111,2026-03-02T11:00:00-05:00,SKU2,abc,1.00,', // 3: bad quantity
      'A1,S1,1,111,2026-03-02T10:00:00-05:00,SKU2,2,1.25,0.10', // 4
      'B1,S1,1,111,2026-03-02T11:00:00-05:00,SKU3,1,2.00,', // 5: good row of basket B1
      'C1,S1,1,111,2026-03-02T12:00:00-05:00,SKU1,1,3.49', // 6: 8 fields
      'D1,S2,2,,2026-03-02T12:00:00,SKU1,1,3.49,', // 7: no offset
      'E1,S2,2,,2026-03-02T12:30:00Z,SKU1,0,3.49,', // 8: quantity 0
      'F1,S2,2,,2026-03-02T12:40:00Z,SKU1,1,3.499,', // 9: fraction of a cent
    ])
    const s = await importFile(file)
    expect(s.imported).toBe(2)
    expect(s.rejected).toBe(6)
    expect(s.errors.map((e) => e.line)).toEqual([3, 5, 6, 7, 8, 9])
    const reason = (line: number) => s.errors.find((e) => e.line === line)!.reason
    expect(reason(3)).toMatch(/quantity "abc"/)
    expect(reason(5)).toMatch(/basket B1 of store S1 has a bad row at line 3/)
    expect(reason(6)).toMatch(/expected 9 fields, found 8/)
    expect(reason(7)).toMatch(/no UTC offset/)
    expect(reason(8)).toMatch(/quantity is 0/)
    expect(reason(9)).toMatch(/fraction of a cent/)
    const stored = await sql<{ id: string; total: number }>`SELECT pos_transaction_id AS id, total_cents AS total FROM pos_transaction`.execute(tdb.db)
    // A1: 349 + (2 × 125 − 10)
    expect(stored.rows).toEqual([{ id: 'A1', total: 589 }])
  })

  it('refuses a file whose header is not the expected one, naming both', async () => {
    const file = path.join(dir, 'header.csv')
    await writeFile(file, 'transaction_id,store_id,sku\nA1,S1,SKU1\n')
    await expect(importFile(file)).rejects.toThrow(/line 1: the header must be exactly "transaction_id,store_id,lane,.*" but is "transaction_id,store_id,sku"/)
    await expect(importFile(path.join(dir, 'missing.csv'))).rejects.toThrow(/cannot read .*missing.csv \(ENOENT\)/)
  })

  it('--strict commits nothing when any row is bad', async () => {
    const file = await csvFile('strict.csv', [
      'A1,S1,1,111,2026-03-02T10:00:00-05:00,SKU1,1,3.49,',
      'B1,S1,1,111,2026-03-02T11:00:00-05:00,SKU2,1,x,',
    ])
    const s = await importFile(file, { strict: true })
    expect(s).toMatchObject({ imported: 0, rejected: 1 })
    expect(s.errors).toEqual([{ line: 3, reason: expect.stringMatching(/unit_price "x"/) }])
    expect(await counts()).toEqual({ baskets: 0, lines: 0, households: 0, products: 0 })
    const clean = await csvFile('strict-ok.csv', ['A1,S1,1,111,2026-03-02T10:00:00-05:00,SKU1,1,3.49,'])
    expect(await importFile(clean, { strict: true })).toMatchObject({ imported: 1, rejected: 0 })
  })

  it('rejects every row of a basket whose rows disagree on card or time', async () => {
    const file = await csvFile('conflict.csv', [
      'C1,S1,1,111,2026-03-02T10:00:00-05:00,SKU1,1,1.00,',
      'OK,S1,1,111,2026-03-02T10:05:00-05:00,SKU1,1,1.00,',
      'C1,S1,1,222,2026-03-02T10:00:00-05:00,SKU2,1,1.00,',
      'T1,S1,1,111,2026-03-02T11:00:00-05:00,SKU1,1,1.00,',
      'T1,S1,1,111,2026-03-02T11:00:01-05:00,SKU1,1,1.00,',
      // the same instant written two ways is not a disagreement
      'Z1,S1,1,111,2026-03-02T16:00:00Z,SKU1,1,1.00,',
      'Z1,S1,1,111,2026-03-02T11:00:00-05:00,SKU1,1,1.00,',
    ])
    const s = await importFile(file)
    expect(s).toMatchObject({ imported: 3, rejected: 4 })
    expect(s.errors).toEqual([
      { line: 2, reason: 'basket C1 of store S1: its rows disagree on card_number' },
      { line: 4, reason: 'basket C1 of store S1: its rows disagree on card_number' },
      { line: 5, reason: 'basket T1 of store S1: its rows disagree on occurred_at' },
      { line: 6, reason: 'basket T1 of store S1: its rows disagree on occurred_at' },
    ])
  })

  it('creates a placeholder product for an unknown SKU and leaves known products alone', async () => {
    await sql`INSERT INTO product (sku, name, price_cents) VALUES ('KNOWN', 'Milk 1 l', 99)`.execute(tdb.db)
    const file = await csvFile('skus.csv', ['A1,S9,1,,2026-03-02T10:00:00Z,KNOWN,1,0.99,', 'A1,S9,1,,2026-03-02T10:00:00Z,NEW-1,1,2.00,'])
    await importFile(file)
    const products = await sql<{ sku: string; name: string; placeholder: boolean }>`SELECT sku, name, placeholder FROM product ORDER BY sku`.execute(tdb.db)
    expect(products.rows).toEqual([
      { sku: 'KNOWN', name: 'Milk 1 l', placeholder: false },
      { sku: 'NEW-1', name: 'Unknown item NEW-1', placeholder: true },
    ])
    const store = await sql<{ id: string }>`SELECT id FROM store`.execute(tdb.db)
    expect(store.rows).toEqual([{ id: 'S9' }])
  })

  it('keeps a placeholder another writer inserts while the import writes its own, and writes the others', async () => {
    // the other writer's insert is still open when the import inserts its placeholders (a plain
    // INSERT first): that waits for it, fails on the key once it commits, and runs again skipping it.
    // SKUs with a backslash and a tab are stored as written.
    const file = await csvFile('race.csv', ['R1,S9,1,,2026-03-02T10:00:00Z,RACE,1,0.99,', 'R1,S9,1,,2026-03-02T10:00:00Z,A\\B,1,2.00,', 'R2,S9,1,,2026-03-02T10:01:00Z,TAB\tC,1,2.00,'])
    let running: ReturnType<typeof importFile> | undefined
    await tdb.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO product (sku, name) VALUES ('RACE', 'Ground coffee 500 g')`.execute(trx)
      running = importFile(file)
      running.catch(() => {})
      // until a session of this database waits for a lock (the import's insert, on the open one)
      for (let waited = 0; ; waited += 20) {
        const r = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE NOT l.granted AND a.datname = current_database()`.execute(tdb.db)
        if (r.rows[0]!.n > 0) break
        if (waited > 10_000) throw new Error('the import never waited for the open insert')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })
    expect(await running).toMatchObject({ imported: 3, rejected: 0 })
    const products = await sql<{ sku: string; name: string; placeholder: boolean }>`SELECT sku, name, placeholder FROM product ORDER BY sku COLLATE "C"`.execute(tdb.db)
    expect(products.rows).toEqual([
      { sku: 'A\\B', name: 'Unknown item A\\B', placeholder: true },
      { sku: 'RACE', name: 'Ground coffee 500 g', placeholder: false },
      { sku: 'TAB\tC', name: 'Unknown item TAB\tC', placeholder: true },
    ])
  })

  it('maps a known card to its household, enrols an unknown one, and stores a card-less basket', async () => {
    const known = await sql<{ id: number }>`INSERT INTO household (external_id, opted_in) VALUES ('HH-7', true) RETURNING id`.execute(tdb.db)
    await sql`INSERT INTO loyalty_card (card_number, household_id) VALUES ('777', ${known.rows[0]!.id})`.execute(tdb.db)
    // a household enrolled at a lane for card 999 whose card row is gone: the card comes back to it
    const orphan = await sql<{ id: number }>`INSERT INTO household (external_id, enrolled_via) VALUES ('card-999', 'pos') RETURNING id`.execute(tdb.db)
    const file = await csvFile('cards.csv', [
      'K1,S1,1,777,2026-03-02T10:00:00Z,SKU1,1,1.00,',
      'N1,S1,1,888,2026-03-02T10:00:00Z,SKU1,1,1.00,',
      'N2,S1,2,888,2026-03-03T10:00:00Z,SKU1,1,1.00,',
      'X1,S1,3,,2026-03-02T10:00:00Z,SKU1,1,1.00,',
      'O1,S1,3,999,2026-03-02T10:00:00Z,SKU1,1,1.00,',
    ])
    expect(await importFile(file)).toMatchObject({ imported: 5, rejected: 0 })
    const enrolled = await sql<{ id: number; external_id: string; enrolled_via: string; opted_in: boolean }>`
      SELECT h.id, h.external_id, h.enrolled_via, h.opted_in FROM household h JOIN loyalty_card c ON c.household_id = h.id
      WHERE c.card_number = '888'`.execute(tdb.db)
    expect(enrolled.rows).toEqual([{ id: expect.any(Number), external_id: 'card-888', enrolled_via: 'pos', opted_in: false }])
    const tx = await sql<{ id: string; card_number: string | null; household_id: number }>`
      SELECT pos_transaction_id AS id, card_number, household_id FROM pos_transaction ORDER BY 1`.execute(tdb.db)
    expect(tx.rows).toEqual([
      { id: 'K1', card_number: '777', household_id: known.rows[0]!.id },
      { id: 'N1', card_number: '888', household_id: enrolled.rows[0]!.id },
      { id: 'N2', card_number: '888', household_id: enrolled.rows[0]!.id },
      { id: 'O1', card_number: '999', household_id: orphan.rows[0]!.id },
      { id: 'X1', card_number: null, household_id: 0 },
    ])
    const lines = await sql<{ household_id: number }>`SELECT household_id FROM transaction_line WHERE household_id = 0`.execute(tdb.db)
    expect(lines.rows).toHaveLength(1)
  })

  it('stores a returned item with its negative quantity, and reads quoted fields', async () => {
    const file = await csvFile('returns.csv', [
      'R1,S1,"lane ""A"", 2",123,2026-03-02T10:00:00Z,SKU1,-1,3.49,',
      'R1,S1,"lane ""A"", 2",123,2026-03-02T10:00:00Z,"SKU,2",0.455,2.00,0.01',
    ])
    expect(await importFile(file)).toMatchObject({ imported: 2, rejected: 0 })
    const tx = await sql<{ lane: string; total_cents: number }>`SELECT lane, total_cents FROM pos_transaction`.execute(tdb.db)
    // −349 + round(0.455 × 200) − 1
    expect(tx.rows).toEqual([{ lane: 'lane "A", 2', total_cents: -349 + 91 - 1 }])
    const lines = await sql<{ sku: string; quantity: number }>`SELECT sku, quantity FROM transaction_line ORDER BY line_no`.execute(tdb.db)
    expect(lines.rows).toEqual([
      { sku: 'SKU1', quantity: -1 },
      { sku: 'SKU,2', quantity: 0.455 },
    ])
  })

  it('runs as `pantry import transactions FILE` and prints one summary line', async () => {
    const env = { ...process.env, DATABASE_URL: withDatabase(inject('adminUrl'), tdb.name), LOG_LEVEL: 'warn', LOG_PRETTY: 'false' }
    const run = promisify(execFile)
    const ok = await run(process.execPath, [path.join(root, 'src/cli/pantry.js'), 'import', 'transactions', cj.file], { cwd: root, env })
    expect(ok.stdout).toMatch(new RegExp(`^transactions: imported ${cj.lines.length}, duplicates 0, rejected 0 \\(\\d+\\.\\d s\\)\\n$`))

    const bad = await csvFile('cli-bad.csv', ['A1,S1,1,111,2026-03-02T10:00:00-05:00,SKU1,1,3.49,', 'B1,S1,1,111,not-a-time,SKU1,1,3.49,'])
    const failed = await run(process.execPath, [path.join(root, 'src/cli/pantry.js'), 'import', 'transactions', '--strict', bad], { cwd: root, env }).then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    )
    expect(failed?.code).toBe(1)
    expect(failed?.stdout).toMatch(/^transactions: imported 0, duplicates 0, rejected 1 \(\d+\.\d s\)\n$/)
    expect(failed?.stderr).toContain(`${bad}:3: occurred_at "not-a-time" is not an ISO 8601 timestamp`)
  })
})
