import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import { afterAll, beforeEach, describe, expect, it, inject } from 'vitest'
import { AppError } from '../../src/errors.ts'
import { importOffersFile, OFFERS_HEADER } from '../../src/modules/offers/offers.import.ts'
import { getOffer } from '../../src/modules/offers/offers.service.ts'
import { withDatabase } from '../global-setup.ts'
import { createTestDb } from '../helpers/db.ts'

let clock = new Date('2026-03-01T10:00:00Z')
const tdb = await createTestDb({ now: () => clock })
const dir = await mkdtemp(path.join(tmpdir(), 'pantry-offers-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

beforeEach(async () => {
  await tdb.truncate()
  clock = new Date('2026-03-01T10:00:00Z')
})

type Column = (typeof OFFERS_HEADER)[number]
const HEADER = OFFERS_HEADER.join(',')

/** One CSV line in header order; values with a comma or a quote are quoted. */
function row(values: Partial<Record<Column, string>>): string {
  return OFFERS_HEADER.map((c) => {
    const v = values[c] ?? ''
    return /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v
  }).join(',')
}

const storeFunder = { funder_id: 'store', funder_type: 'store', funder_name: 'Pantry Foods' }
const good = [
  row({
    offer_id: 'CONV-BREAD',
    ...storeFunder,
    title: 'Try our bread',
    target_subcategory: 'BREAD:ITALIAN/FRENCH',
    target_brand: 'Our Bakery',
    reward_kind: 'amount_off',
    reward_value: '0.75',
    cells: 'BREAD:ITALIAN/FRENCH:national-loyal:high|BREAD:ITALIAN/FRENCH:swing:*',
    conversion: 'national',
    usage_multipliers: 'medium=1.5|high=2',
  }),
  row({
    offer_id: 'OFF-CEREAL',
    funder_id: 'GENMILLS',
    funder_type: 'manufacturer',
    funder_name: 'General Mills, Inc.',
    funder_gcp: '016000',
    funder_cap: '5000.00',
    title: '20% off Cheerios',
    description: 'Any size, "honey nut" too',
    target_skus: '1001|1002',
    reward_kind: 'percent_off',
    reward_value: '20%',
    min_quantity: '2',
    valid_from: '2026-03-02',
    valid_to: '2026-03-15',
    per_household_limit: '2',
    budget: '2500',
    budget_count: '1000',
    funder_share: '60%',
    tiers: 'platinum|gold',
    attributes: 'kids=yes|income=50-74K/75-99K',
    gs1_offer_code: '123456',
  }),
  row({ offer_id: 'STORE-MILK', funder_id: 'store', title: 'Milk $2.99', target_skus: '2001', reward_kind: 'fixed_price', reward_value: '2.99', active: 'no' }),
]

async function csvFile(name: string, lines: string[]): Promise<string> {
  const file = path.join(dir, name)
  await writeFile(file, `${lines.join('\n')}\n`)
  return file
}

async function offerIds(): Promise<string[]> {
  const r = await sql<{ id: string }>`SELECT id FROM offer ORDER BY id`.execute(tdb.db)
  return r.rows.map((x) => x.id)
}

describe('pantry import offers', () => {
  it('imports offers and their funders from the compact columns; a re-import only finds duplicates', async () => {
    const file = await csvFile('o.csv', [HEADER, ...good])
    expect(await importOffersFile(tdb.ctx, file, { progress: false })).toEqual({ imported: 3, duplicates: 0, rejected: 0, errors: [] })
    expect(await getOffer(tdb.ctx, 'CONV-BREAD')).toMatchObject({
      funder: { id: 'store', type: 'store', name: 'Pantry Foods', gs1CompanyPrefix: null, capCents: null },
      target: { skus: [], brand: 'Our Bakery', subcategory: 'BREAD:ITALIAN/FRENCH' },
      reward: { kind: 'amount_off', amountCents: 75 },
      targeting: {
        cells: [
          { subcategory: 'BREAD:ITALIAN/FRENCH', brandLoyalty: 'national-loyal', usage: 'high' },
          { subcategory: 'BREAD:ITALIAN/FRENCH', brandLoyalty: 'swing' },
        ],
      },
      conversion: { fromBrandType: 'national' },
      usageMultipliers: { low: 1, medium: 1.5, high: 2 },
      funderShare: 1,
      active: true,
    })
    expect(await getOffer(tdb.ctx, 'OFF-CEREAL')).toMatchObject({
      funder: { id: 'GENMILLS', type: 'manufacturer', name: 'General Mills, Inc.', gs1CompanyPrefix: '016000', capCents: 500_000 },
      description: 'Any size, "honey nut" too',
      target: { skus: ['1001', '1002'], brand: null },
      reward: { kind: 'percent_off', percent: 20 },
      minQuantity: 2,
      validFrom: '2026-03-02',
      validTo: '2026-03-15',
      perHouseholdLimit: 2,
      budgetCents: 250_000,
      budgetCount: 1_000,
      funderShare: 0.6,
      targeting: { tiers: ['platinum', 'gold'], attributes: [{ name: 'kids', values: ['yes'] }, { name: 'income', values: ['50-74K', '75-99K'] }] },
      gs1OfferCode: '123456',
    })
    expect(await getOffer(tdb.ctx, 'STORE-MILK')).toMatchObject({ reward: { kind: 'fixed_price', priceCents: 299 }, active: false, targeting: {} })
    clock = new Date('2026-03-02T10:00:00Z')
    expect(await importOffersFile(tdb.ctx, file, { progress: false })).toEqual({ imported: 0, duplicates: 3, rejected: 0, errors: [] })
    expect((await getOffer(tdb.ctx, 'OFF-CEREAL')).updatedAt).toBe('2026-03-01T10:00:00.000Z')
  })

  it('skips bad rows, reporting their line numbers and the column at fault', async () => {
    const base = { funder_id: 'store', title: 'T', target_skus: '1', reward_kind: 'amount_off', reward_value: '1' }
    const file = await csvFile('bad.csv', [
      HEADER,
      row({ ...base, offer_id: 'OK-1', ...storeFunder }),
      row({ ...base, offer_id: 'B2', reward_kind: 'bogo' }),
      row({ ...base, offer_id: 'B3', reward_kind: 'percent_off', reward_value: '150' }),
      row({ ...base, offer_id: 'B4', cells: 'MILK:loyal:high' }),
      row({ ...base, offer_id: 'B5', ...storeFunder, funder_name: 'Other name' }),
      row({ ...base, offer_id: 'B6', funder_id: 'ghost' }),
      row({ ...base, offer_id: 'B7', gs1_offer_code: '123456' }),
      row({ ...base, offer_id: 'B8', valid_from: '2026-02-30' }),
      row({ ...base, offer_id: 'B9', target_skus: '' }),
      row({ ...base, offer_id: 'B10', funder_share: '1.5' }),
      row({ ...base, offer_id: 'B11', attributes: 'kids' }),
      'B12,store,,,,,T',
      row({ ...base, offer_id: 'OK-2' }),
    ])
    const s = await importOffersFile(tdb.ctx, file, { progress: false })
    expect(s).toMatchObject({ imported: 2, duplicates: 0, rejected: 11 })
    expect(s.errors.map((e) => [e.line, e.reason.split(':')[0]])).toEqual([
      [3, 'reward_kind'],
      [4, 'reward_value'],
      [5, 'cells'],
      [6, 'funder_id'],
      [7, 'funder_id'],
      [8, 'gs1_offer_code'],
      [9, 'valid_from'],
      [10, 'target'],
      [11, 'funder_share'],
      [12, 'attributes'],
      [13, `expected ${OFFERS_HEADER.length} fields, found 7`],
    ])
    expect(s.errors[3]!.reason).toMatch(/defined differently/)
    expect(s.errors[4]!.reason).toMatch(/unknown funder ghost/)
    expect(await offerIds()).toEqual(['OK-1', 'OK-2'])
  })

  it('names an existing funder by id alone in a later file', async () => {
    await importOffersFile(tdb.ctx, await csvFile('a.csv', [HEADER, good[1]!]), { progress: false })
    const later = row({ offer_id: 'OFF-2', funder_id: 'GENMILLS', title: 'T', target_brand: 'Cheerios', reward_kind: 'amount_off', reward_value: '0.50', gs1_offer_code: '123456' })
    const s = await importOffersFile(tdb.ctx, await csvFile('b.csv', [HEADER, later, later.replace('123456', '123457')]), { progress: false })
    expect(s.errors).toEqual([{ line: 2, reason: 'gs1_offer_code: already used by offer OFF-CEREAL of funder GENMILLS' }])
    expect(s.imported).toBe(1)
    expect((await getOffer(tdb.ctx, 'OFF-2')).funder.name).toBe('General Mills, Inc.')
  })

  it('--strict commits nothing when a row is bad, and a wrong header is refused', async () => {
    const lines = [HEADER, ...good, row({ offer_id: 'BAD', funder_id: 'store', title: 'T', target_skus: '1', reward_kind: 'amount_off', reward_value: 'x' })]
    const s = await importOffersFile(tdb.ctx, await csvFile('strict.csv', lines), { strict: true, progress: false })
    expect(s).toEqual({ imported: 0, duplicates: 0, rejected: 1, errors: [{ line: 5, reason: expect.stringMatching(/^reward_value: /) }] })
    expect(await offerIds()).toEqual([])
    const sql0 = await sql<{ n: number }>`SELECT count(*)::int4 AS n FROM funder`.execute(tdb.db)
    expect(sql0.rows[0]!.n).toBe(0)
    await expect(importOffersFile(tdb.ctx, await csvFile('hdr.csv', ['offer_id,title', 'x,y']), { progress: false })).rejects.toThrow(AppError)
  })
})

describe('the pantry CLI', () => {
  const run = promisify(execFile)
  const env = { ...process.env, DATABASE_URL: withDatabase(inject('adminUrl'), tdb.name), LOG_LEVEL: 'silent' }
  const pantry = (...args: string[]) => run(process.execPath, ['src/cli/pantry.js', ...args], { env, cwd: path.resolve(import.meta.dirname, '../..') })

  it('prints the summary line, and with --strict and a bad row exits non-zero naming FILE:LINE', async () => {
    const file = await csvFile('cli.csv', [HEADER, ...good])
    expect((await pantry('import', 'offers', file)).stdout).toMatch(/^offers: imported 3, duplicates 0, rejected 0 \(\d+\.\d s\)\n$/)
    expect((await pantry('import', 'offers', file)).stdout).toMatch(/^offers: imported 0, duplicates 3, rejected 0 /)
    const bad = await csvFile('cli-bad.csv', [HEADER, ...good, row({ offer_id: 'X', funder_id: 'store', title: 'T', target_skus: '1', reward_kind: 'percent_off', reward_value: '0' })])
    const failed = await pantry('import', 'offers', '--strict', bad).then(
      () => expect.unreachable('--strict with a bad row must fail'),
      (err: { code: number; stdout: string; stderr: string }) => err,
    )
    expect(failed.code).not.toBe(0)
    expect(failed.stdout).toMatch(/^offers: imported 0, duplicates 0, rejected 1 /)
    expect(failed.stderr).toContain(`${bad}:5: reward_value: `)
  })
})
