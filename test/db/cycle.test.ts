import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LockBusyError, withAdvisoryLock } from '../../src/db/advisory-lock.ts'
import { type CycleParams, paramsFromConfig } from '../../src/modules/cycle/cycle.params.ts'
import { type RunCycleInput, runCycle } from '../../src/modules/cycle/cycle.service.ts'
import { loadConfig } from '../../src/config.ts'
import type { ListSnapshot } from '../../src/modules/lists/list.types.ts'
import { putOffersBody } from '../../src/modules/offers/offers.schemas.ts'
import { putOffers } from '../../src/modules/offers/offers.service.ts'
import { seedDatabase } from '../../src/modules/seed/seed.service.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'

// The list cycle end to end on a small seeded chain, on two databases loaded identically: A runs
// the cycle uninterrupted, B is killed halfway and resumed; both must end with the same rows and
// the same bytes.

const NOW = new Date('2026-11-22T15:00:00Z')
const CYCLE = '2026-11-23'
const NEXT = '2026-12-07'
const SECRET = 'cycle-test-secret-0123456789abcdef'
const dbA = await createTestDb({ now: () => NOW })
const dbB = await createTestDb({ now: () => NOW })
const out = mkdtempSync(path.join(tmpdir(), 'pantry-cycle-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

const OFFERS = {
  funders: [
    { id: 'store', type: 'store', name: 'Northwoods Market' },
    { id: 'MFR', type: 'manufacturer', name: 'Big Foods', gs1CompanyPrefix: '0614141', capCents: 400 },
  ],
  offers: [
    // Offers on what nearly every household buys, with budgets far below demand, so they bind.
    { id: 'CONV-MILK', funderId: 'store', title: 'Try our milk', target: { brand: 'Northwoods', subcategory: 'FLUID MILK PRODUCTS' }, reward: { kind: 'amount_off', amountCents: 50 }, conversion: { fromBrandType: 'national' }, budgetCents: 600 },
    { id: 'ST-BREAD', funderId: 'store', title: '$0.40 off bread', target: { subcategory: 'BAKED BREAD/BUNS/ROLLS' }, reward: { kind: 'amount_off', amountCents: 40 }, budgetCents: 500, budgetCount: 10 },
    { id: 'ST-PRODUCE', funderId: 'store', title: '20% off fruit', target: { category: 'PRODUCE' }, reward: { kind: 'percent_off', percent: 20 }, budgetCents: 700 },
    { id: 'MFR-SODA', funderId: 'MFR', title: '$0.75 off soda', target: { subcategory: 'SOFT DRINKS' }, reward: { kind: 'amount_off', amountCents: 75 }, gs1OfferCode: '123456' },
    { id: 'MFR-SNACK', funderId: 'MFR', title: '$0.60 off snacks', target: { subcategory: 'BAG SNACKS' }, reward: { kind: 'amount_off', amountCents: 60 }, gs1OfferCode: '123457', funderShare: 0.5 },
    { id: 'MFR-CHEESE', funderId: 'MFR', title: '$0.50 off cheese', target: { subcategory: 'CHEESE' }, reward: { kind: 'amount_off', amountCents: 50 }, gs1OfferCode: '123458' },
  ],
}

async function load(tdb: TestDb): Promise<void> {
  const seeded = await seedDatabase(tdb.ctx, { households: 120, days: 200, seed: 11, end: '2026-11-21', stores: 3 })
  for (const s of Object.values(seeded.imports)) expect(s.errors).toEqual([])
  await putOffers(tdb.ctx, putOffersBody.parse(OFFERS))
}

const params = (start: string, outDir: string): CycleParams => ({ ...paramsFromConfig(loadConfig({}, false), start, outDir) })

function input(start: string, outDir: string, extra: Partial<RunCycleInput> = {}): RunCycleInput {
  return { start, params: params(start, outDir), secret: SECRET, threads: 0, chunkSize: 10, ...extra }
}

/** Every file under `dir` with its SHA-256, by relative path. */
function hashes(dir: string): Record<string, string> {
  const outp: Record<string, string> = {}
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f)
      if (statSync(p).isDirectory()) walk(p)
      else outp[path.relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex')
    }
  }
  walk(dir)
  return outp
}

async function rows(tdb: TestDb, start: string) {
  const lists = await tdb.db.selectFrom('issued_list').select(['household_id', 'list_code', 'store_id', 'card_number', 'snapshot', 'offer_value_cents', 'pdf_file', 'pdf_pages']).where('cycle_start', '=', start).orderBy('household_id').execute()
  const instances = await tdb.db.selectFrom('offer_instance').select(['household_id', 'code', 'gs1_serial', 'list_code', 'offer_id', 'sku', 'value_cents', 'min_quantity', 'valid_from', 'expires_on']).where('cycle_start', '=', start).orderBy('code').execute()
  const arms = await tdb.db.selectFrom('cycle_household').select(['household_id', 'arm']).where('cycle_start', '=', start).orderBy('household_id').execute()
  return { lists, instances, arms }
}

const dirA = path.join(out, 'a')
const dirB = path.join(out, 'b')

beforeAll(async () => {
  await Promise.all([load(dbA), load(dbB)])
  await runCycle(dbA.ctx, input(CYCLE, dirA))
}, 240_000)

describe('the list cycle', () => {
  it('issues lists of 10-20 items by aisle, with offers only on listed items, never two on one item', async () => {
    const { lists, instances } = await rows(dbA, CYCLE)
    expect(lists.length).toBeGreaterThan(20)
    for (const l of lists) {
      const s = l.snapshot as ListSnapshot
      const items = s.sections.flatMap((x) => x.items)
      expect(items.length).toBeGreaterThanOrEqual(10)
      expect(items.length).toBeLessThanOrEqual(20)
      expect(new Set(s.sections.map((x) => x.heading)).size).toBe(s.sections.length)
      expect(new Set(items.map((i) => i.sku)).size).toBe(items.length)
      expect(items.every((i) => i.reason !== '')).toBe(true)
      expect(new Set(s.offers.map((o) => o.sku)).size).toBe(s.offers.length)
      for (const o of s.offers) expect(items.find((i) => i.sku === o.sku)?.offerCode).toBe(o.code)
      expect(s.content).not.toBeNull()
      const mine = instances.filter((i) => i.list_code === l.list_code)
      expect(mine.map((i) => i.code).sort()).toEqual(s.offers.map((o) => o.code).sort())
      expect(l.offer_value_cents).toBe(mine.reduce((t, i) => t + i.value_cents, 0))
      expect(l.pdf_pages).toBeGreaterThan(0)
    }
    expect(instances.length).toBeGreaterThan(10)
    // offer value per household: at most the top tier's budget (PANTRY_OFFER_TOP_CENTS, $35)
    expect(Math.max(...lists.map((l) => l.offer_value_cents))).toBeLessThanOrEqual(3500)
    expect(instances.some((i) => i.gs1_serial !== null)).toBe(true)
  })

  it('never exceeds an offer budget or a funder cap, and the budgets did bind', async () => {
    const use = await sql<{ id: string; budget_cents: number | null; budget_count: number | null; cents: number; n: number }>`
      SELECT o.id, o.budget_cents, o.budget_count, coalesce(sum(i.value_cents), 0)::int8 AS cents, count(i.code)::int8 AS n
      FROM offer o LEFT JOIN offer_instance i ON i.offer_id = o.id GROUP BY o.id`.execute(dbA.db)
    for (const u of use.rows) {
      if (u.budget_cents !== null) expect(u.cents).toBeLessThanOrEqual(u.budget_cents)
      if (u.budget_count !== null) expect(u.n).toBeLessThanOrEqual(u.budget_count)
    }
    // at least one budget is used up to within one instance's face value: the limit was reached
    expect(use.rows.some((u) => u.budget_cents !== null && u.cents > u.budget_cents - 100)).toBe(true)
    const funder = await sql<{ cents: number }>`
      SELECT coalesce(sum(ceil(i.value_cents * o.funder_share_bp / 10000.0)), 0)::int8 AS cents
      FROM offer_instance i JOIN offer o ON o.id = i.offer_id WHERE o.funder_id = 'MFR' AND i.cycle_start = ${CYCLE}`.execute(dbA.db)
    expect(funder.rows[0]!.cents).toBeLessThanOrEqual(400)
    expect(funder.rows[0]!.cents).toBeGreaterThan(400 - 75)
  })

  it('holds out a control group: recorded, and given nothing', async () => {
    const { arms, lists } = await rows(dbA, CYCLE)
    const control = arms.filter((a) => a.arm === 'control').map((a) => a.household_id)
    expect(control.length).toBeGreaterThan(0)
    expect(control.length).toBeLessThan(arms.length / 4)
    const listed = new Set(lists.map((l) => l.household_id))
    expect(control.filter((id) => listed.has(id))).toEqual([])
    const instances = await dbA.db.selectFrom('offer_instance').select('household_id').where('household_id', 'in', control).execute()
    expect(instances).toEqual([])
    const cycle = await dbA.db.selectFrom('list_cycle').selectAll().where('cycle_start', '=', CYCLE).executeTakeFirstOrThrow()
    expect(cycle).toMatchObject({ status: 'finished', qualified: arms.length, control: control.length, issued: lists.length })
  })

  it('changes nothing when run again: same rows, same files', async () => {
    const before = { rows: await rows(dbA, CYCLE), files: hashes(dirA) }
    const again = await runCycle(dbA.ctx, input(CYCLE, dirA))
    expect(again).toMatchObject({ existed: true, listsNew: 0, rendered: 0 })
    expect(await rows(dbA, CYCLE)).toEqual(before.rows)
    expect(hashes(dirA)).toEqual(before.files)
  })

  it('a run killed halfway resumes without duplicates and ends identical to an uninterrupted run', async () => {
    const kill = (chunk: number) => {
      if (chunk === 2) throw new Error('killed')
    }
    await expect(runCycle(dbB.ctx, input(CYCLE, dirB, { afterChunk: kill }))).rejects.toThrow('killed')
    const partial = await rows(dbB, CYCLE)
    expect(partial.lists.length).toBe(20)
    const resumed = await runCycle(dbB.ctx, input(CYCLE, dirB))
    expect(resumed.existed).toBe(true)
    expect(resumed.listsNew).toBe(resumed.lists - 20)
    const [a, b] = [await rows(dbA, CYCLE), await rows(dbB, CYCLE)]
    expect(b.arms).toEqual(a.arms)
    expect(b.instances).toEqual(a.instances)
    expect(b.lists).toEqual(a.lists)
    expect(hashes(dirB)).toEqual(hashes(dirA))
  })

  it('a run killed while rendering renders only the rest', async () => {
    const files = await dbB.db.selectFrom('issued_list').select(['list_code', 'pdf_file']).where('cycle_start', '=', CYCLE).orderBy('household_id').limit(5).execute()
    for (const f of files) rmSync(path.join(dirB, f.pdf_file!))
    await dbB.db.updateTable('issued_list').set({ rendered_at: null }).where('list_code', 'in', files.map((f) => f.list_code)).execute()
    rmSync(path.join(dirB, 'manifest.csv'))
    const again = await runCycle(dbB.ctx, input(CYCLE, dirB))
    expect(again.rendered).toBe(5)
    expect(hashes(dirB)).toEqual(hashes(dirA))
  })

  it('refuses a second run of the same cycle while one holds the lock', async () => {
    await withAdvisoryLock(dbA.db, `cycle:${CYCLE}`, async () => {
      await expect(runCycle(dbA.ctx, input(CYCLE, dirA))).rejects.toBeInstanceOf(LockBusyError)
    })
  })

  it('keeps lifetime budgets and per-household limits across cycles', async () => {
    const next = await runCycle(dbA.ctx, input(NEXT, path.join(out, 'next')))
    expect(next.lists).toBeGreaterThan(0)
    const over = await sql<{ id: string }>`
      SELECT o.id FROM offer o JOIN offer_instance i ON i.offer_id = o.id
      GROUP BY o.id, o.budget_cents, o.budget_count
      HAVING sum(i.value_cents) > coalesce(o.budget_cents, 1e15) OR count(*) > coalesce(o.budget_count, 1e9)`.execute(dbA.db)
    expect(over.rows).toEqual([])
    const twice = await sql`
      SELECT i.household_id, i.offer_id FROM offer_instance i JOIN offer o ON o.id = i.offer_id
      GROUP BY i.household_id, i.offer_id, o.per_household_limit HAVING count(*) > o.per_household_limit`.execute(dbA.db)
    expect(twice.rows).toEqual([])
    const codes = await sql<{ n: number; distinct: number }>`SELECT count(*)::int8 AS n, count(DISTINCT code)::int8 AS distinct FROM offer_instance`.execute(dbA.db)
    expect(codes.rows[0]!.n).toBe(codes.rows[0]!.distinct)
  })

  it('stores on each offer instance the reward printed for it in the list snapshot', async () => {
    const r = await sql<{ instances: number; same: number }>`
      SELECT count(*)::int8 AS instances,
             count(*) FILTER (WHERE i.reward = (SELECT e -> 'reward' FROM jsonb_array_elements(l.snapshot -> 'offers') e WHERE e ->> 'code' = i.code))::int8 AS same
      FROM offer_instance i JOIN issued_list l ON l.list_code = i.list_code WHERE i.cycle_start = ${CYCLE}`.execute(dbA.db)
    expect(r.rows[0]!.instances).toBeGreaterThan(0)
    expect(r.rows[0]!.same).toBe(r.rows[0]!.instances)
  })
})
