import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { sql } from 'kysely'
import { afterAll, beforeEach, describe, expect, it, inject } from 'vitest'
import { AppError } from '../../src/errors.ts'
import { importProductsFile, parsePriceCents } from '../../src/modules/catalog/catalog.import.ts'
import { importHouseholdsFile } from '../../src/modules/households/households.import.ts'
import { withDatabase } from '../global-setup.ts'
import { createTestDb } from '../helpers/db.ts'

let clock = new Date('2026-03-01T10:00:00Z')
const tdb = await createTestDb({ now: () => clock })
const dir = await mkdtemp(path.join(tmpdir(), 'pantry-import-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

beforeEach(async () => {
  await tdb.truncate()
  clock = new Date('2026-03-01T10:00:00Z')
})

const PRODUCTS_HEADER = 'sku,name,brand,brand_type,category,subcategory,size,price'
const HOUSEHOLDS_HEADER = 'card_number,household_id,name,email,postal_code,opted_in'

async function csvFile(name: string, lines: string[], gzip = false): Promise<string> {
  const file = path.join(dir, name)
  const text = `${lines.join('\n')}\n`
  await writeFile(file, gzip ? gzipSync(text) : text)
  return file
}

async function products() {
  const r = await sql<{ sku: string; name: string; brand_type: string | null; price_cents: number | null; placeholder: boolean; updated_at: Date }>`
    SELECT sku, name, brand_type, price_cents, placeholder, updated_at FROM product ORDER BY sku`.execute(tdb.db)
  return r.rows
}

const goodProducts = [
  PRODUCTS_HEADER,
  '1001,Whole milk 1 l,Dairyland,national,Dairy,Milk,1 l,1.29',
  '1002,"Rye bread, sliced",,store,Bakery,,500 g,4.35',
  '1003,Salt,,,,,,',
  '1004,Gum,,,,,,0.1',
]

describe('pantry import products', () => {
  it('parses prices exactly, in cents', () => {
    expect(['4.35', '0.29', '1.1', '.5', '3', '3.', '2.500', '', '19.99'].map(parsePriceCents)).toEqual([435, 29, 110, 50, 300, 300, 250, null, 1999])
    for (const bad of ['1.005', 'abc', '-1', '1,50', '.', '99999999999']) expect(parsePriceCents(bad)).toHaveProperty('reason')
  })

  it('imports a CSV file and a gzipped one the same way; a re-import only finds duplicates', async () => {
    for (const gz of [false, true]) {
      await tdb.truncate()
      const file = await csvFile(gz ? 'p.csv.gz' : 'p.csv', goodProducts, gz)
      expect(await importProductsFile(tdb.ctx, file, { progress: false })).toEqual({ imported: 4, duplicates: 0, rejected: 0, errors: [] })
      const rows = await products()
      expect(rows.map((r) => [r.sku, r.name, r.brand_type, r.price_cents])).toEqual([
        ['1001', 'Whole milk 1 l', 'national', 129],
        ['1002', 'Rye bread, sliced', 'store', 435],
        ['1003', 'Salt', null, null],
        ['1004', 'Gum', null, 10],
      ])
      clock = new Date('2026-03-02T10:00:00Z')
      expect(await importProductsFile(tdb.ctx, file, { progress: false })).toEqual({ imported: 0, duplicates: 4, rejected: 0, errors: [] })
      expect(await products()).toEqual(rows)
    }
  })

  it('clears placeholders and counts only rows that changed something', async () => {
    await sql`INSERT INTO product (sku, name, placeholder) VALUES ('1003', 'unknown', true)`.execute(tdb.db)
    await importProductsFile(tdb.ctx, await csvFile('p.csv', goodProducts), { progress: false })
    const changed = [...goodProducts.slice(0, 2), '1002,"Rye bread, sliced",,store,Bakery,,500 g,4.45', ...goodProducts.slice(3)]
    const s = await importProductsFile(tdb.ctx, await csvFile('p2.csv', changed), { progress: false })
    expect(s).toMatchObject({ imported: 1, duplicates: 3 })
    expect((await products()).map((p) => [p.sku, p.placeholder, p.price_cents])).toEqual([
      ['1001', false, 129],
      ['1002', false, 445],
      ['1003', false, null],
      ['1004', false, 10],
    ])
  })

  it('skips bad rows, reporting their line numbers and reasons', async () => {
    const file = await csvFile('bad.csv', [
      PRODUCTS_HEADER,
      '1001,Milk,,,,,,1.29',
      '1002,Bread,,generic,,,,2.00',
      '1003,Jam,,,,,,1.005',
      '1004,,,,,,,1',
      '1005,Eggs,,,,,',
      '1006,Butter,,,,,,2.10',
      '1007,"Broken"quote,,,,,,1',
    ])
    const s = await importProductsFile(tdb.ctx, file, { progress: false })
    expect(s).toMatchObject({ imported: 2, duplicates: 0, rejected: 5 })
    expect(s.errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 8])
    expect(s.errors[0]!.reason).toMatch(/^brand_type: /)
    expect(s.errors[1]!.reason).toMatch(/^price: .*fraction of a cent/)
    expect(s.errors[2]!.reason).toMatch(/^name: /)
    expect(s.errors[3]!.reason).toBe('expected 8 fields, found 7')
    expect((await products()).map((p) => p.sku)).toEqual(['1001', '1006'])
  })

  it('--strict commits nothing when a row is bad, even after several committed-size chunks', async () => {
    const lines = [PRODUCTS_HEADER, ...Array.from({ length: 4_500 }, (_, i) => `S${i},Product ${i},,,,,,${i}.99`), 'S-bad,Bad,,,,,,x']
    const s = await importProductsFile(tdb.ctx, await csvFile('strict.csv', lines), { strict: true, progress: false })
    expect(s).toEqual({ imported: 0, duplicates: 0, rejected: 1, errors: [{ line: 4_502, reason: expect.stringMatching(/^price: /) }] })
    expect(await products()).toEqual([])
    const ok = await importProductsFile(tdb.ctx, await csvFile('strict-ok.csv', lines.slice(0, -1)), { strict: true, progress: false })
    expect(ok).toMatchObject({ imported: 4_500, rejected: 0 })
    expect((await products()).length).toBe(4_500)
  })

  it('refuses a file whose header is not exactly the contract', async () => {
    const file = await csvFile('hdr.csv', ['sku,name,brand,category,subcategory,size,price', '1,a,,,,,1'])
    await expect(importProductsFile(tdb.ctx, file, { progress: false })).rejects.toThrow(AppError)
    await expect(importProductsFile(tdb.ctx, path.join(dir, 'missing.csv'), { progress: false })).rejects.toThrow(/cannot read/)
  })
})

describe('pantry import households', () => {
  const file = () =>
    csvFile('h.csv', [
      HOUSEHOLDS_HEADER,
      '4001,H-1,Smith,smith@example.com,10115,yes',
      '4002,H-1,Smith,smith@example.com,10115,yes',
      '4003,H-2,Jones,,,0',
    ])

  it('imports one row per card, grouped into households; a re-import changes nothing', async () => {
    expect(await importHouseholdsFile(tdb.ctx, await file(), { progress: false })).toEqual({ imported: 3, duplicates: 0, rejected: 0, errors: [] })
    const r = await sql<{ external_id: string; opted_in: boolean; consent_changed_at: Date | null; enrolled_via: string; cards: string[] }>`
      SELECT external_id, opted_in, consent_changed_at, enrolled_via,
             ARRAY(SELECT card_number FROM loyalty_card c WHERE c.household_id = h.id ORDER BY 1) AS cards
      FROM household h ORDER BY external_id`.execute(tdb.db)
    expect(r.rows).toEqual([
      { external_id: 'H-1', opted_in: true, consent_changed_at: clock, enrolled_via: 'import', cards: ['4001', '4002'] },
      { external_id: 'H-2', opted_in: false, consent_changed_at: null, enrolled_via: 'import', cards: ['4003'] },
    ])
    clock = new Date('2026-03-02T10:00:00Z')
    expect(await importHouseholdsFile(tdb.ctx, await file(), { progress: false })).toEqual({ imported: 0, duplicates: 3, rejected: 0, errors: [] })
  })

  it('reports bad rows by line and moves a lane-enrolled card to its household', async () => {
    const lane = await sql<{ id: number }>`INSERT INTO household (external_id, enrolled_via) VALUES ('card-4003', 'pos') RETURNING id`.execute(tdb.db)
    await sql`INSERT INTO loyalty_card (card_number, household_id) VALUES ('4003', ${lane.rows[0]!.id})`.execute(tdb.db)
    const bad = await csvFile('hb.csv', [HOUSEHOLDS_HEADER, '4003,H-2,Jones,,,n', '4004,H-3,,,,maybe', ',H-4,,,,y', '4005,H-5,,nope,,y'])
    const s = await importHouseholdsFile(tdb.ctx, bad, { progress: false })
    expect(s).toMatchObject({ imported: 1, rejected: 3 })
    expect(s.errors.map((e) => [e.line, e.reason.split(':')[0]])).toEqual([
      [3, 'opted_in'],
      [4, 'card_number'],
      [5, 'email'],
    ])
    const owner = await sql<{ external_id: string }>`
      SELECT h.external_id FROM loyalty_card c JOIN household h ON h.id = c.household_id WHERE c.card_number = '4003'`.execute(tdb.db)
    expect(owner.rows).toEqual([{ external_id: 'H-2' }])
    const left = await sql<{ n: number }>`SELECT count(*)::int4 AS n FROM household WHERE external_id = 'card-4003'`.execute(tdb.db)
    expect(left.rows[0]!.n).toBe(0)
  })
})

describe('the pantry CLI', () => {
  const run = promisify(execFile)
  const env = { ...process.env, DATABASE_URL: withDatabase(inject('adminUrl'), tdb.name), LOG_LEVEL: 'silent' }
  const pantry = (...args: string[]) => run(process.execPath, ['src/cli/pantry.js', ...args], { env, cwd: path.resolve(import.meta.dirname, '../..') })

  it('prints the summary on stdout and exits 0; with --strict and a bad row it exits non-zero and names FILE:LINE', async () => {
    const file = await csvFile('cli.csv', goodProducts)
    const ok = await pantry('import', 'products', file)
    expect(ok.stdout).toMatch(/^products: imported 4, duplicates 0, rejected 0 \(\d+\.\d s\)\n$/)
    const again = await pantry('import', 'products', file)
    expect(again.stdout).toMatch(/^products: imported 0, duplicates 4, rejected 0 /)

    const bad = await csvFile('cli-bad.csv', [...goodProducts, '1005,Jam,,,,,,1.005'])
    const failed = await pantry('import', 'products', '--strict', bad).then(
      () => expect.unreachable('--strict with a bad row must fail'),
      (err: { code: number; stdout: string; stderr: string }) => err,
    )
    expect(failed.code).not.toBe(0)
    expect(failed.stdout).toMatch(/^products: imported 0, duplicates 0, rejected 1 /)
    expect(failed.stderr).toContain(`${bad}:6: price: `)
    expect((await products()).map((p) => p.sku)).toEqual(['1001', '1002', '1003', '1004'])
  })
})
