import { sql } from 'kysely'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { isoToDay } from '../../src/modules/predictions/predictions.service.ts'
import { seedDatabase } from '../../src/modules/seed/seed.service.ts'
import { createSegmentCuts, fitSegmentCuts, householdSegmentsAt, householdValueAt } from '../../src/modules/segments/segment-cuts.ts'
import { DEFAULT_SEGMENT_PARAMS, ntileOf, type SegmentParams } from '../../src/modules/segments/segments.model.ts'
import { brandSegments, householdValues } from '../../src/modules/segments/segments.service.ts'
import { createTestDb } from '../helpers/db.ts'
import { daysBefore, makeBasket, makeHousehold, makeProduct } from '../helpers/factories.ts'

// The profile's fast path (population cut points once per day, the household's own rows per
// request) gives every household what the population functions give it: RFM, tier and usage
// tertiles, ties at the bucket boundaries included.

const tdb = await createTestDb()
const ctx = tdb.ctx
const db = tdb.db
const DAY_MS = 86_400_000

/** Every household's fast-path RFM, tier and segments equal householdValues' and brandSegments' as of the day. */
async function expectSameAsPopulation(asOfDay: number, params: SegmentParams = DEFAULT_SEGMENT_PARAMS) {
  const asOf = new Date(asOfDay * DAY_MS)
  const cuts = await fitSegmentCuts(ctx, params, asOfDay)
  const values = new Map((await householdValues(ctx, { asOf, params })).map(({ shareAbove: _, ...v }) => [v.householdId, v]))
  const segments = await brandSegments(ctx, { asOf, params })
  const ids = (await sql<{ id: number }>`SELECT id FROM household ORDER BY id`.execute(db)).rows.map((r) => r.id)
  for (const id of ids) {
    expect(await householdValueAt(ctx, cuts, params, id), `household ${id}`).toEqual(values.get(id))
    expect(await householdSegmentsAt(ctx, cuts, params, id), `household ${id}`).toEqual(segments.filter((s) => s.householdId === id))
  }
  return { values: [...values.values()], segments, households: ids.length }
}

/** Bucket sizes a strict ntile would draw, and whether the drawn scores differ from them (ties across a boundary). */
function tiesCrossBoundaries(scores: readonly number[], buckets: number): boolean {
  const nominal = Array.from({ length: buckets }, (_, k) => scores.filter((_, i) => ntileOf(i, scores.length, buckets) === k + 1).length)
  const drawn = Array.from({ length: buckets }, (_, k) => scores.filter((s) => s === k + 1).length)
  return JSON.stringify(nominal) !== JSON.stringify(drawn)
}

describe('segment cut points on a seeded chain', () => {
  const END = '2026-06-01'
  beforeAll(async () => {
    await tdb.truncate()
    await seedDatabase(ctx, { households: 150, days: 200, seed: 7, end: END, stores: 2 })
  }, 300_000)

  it.each([
    ['the day after the data', 0, DEFAULT_SEGMENT_PARAMS],
    ['a past day', -40, DEFAULT_SEGMENT_PARAMS],
    ['a short window and other tier cuts', -10, { ...DEFAULT_SEGMENT_PARAMS, windowWeeks: 6, pyramidCuts: [0.3, 0.6, 0.9] as const }],
  ])('place every household as the population functions do (%s)', async (_, offset, params) => {
    const { values, segments } = await expectSameAsPopulation(isoToDay(END)! + offset, params)
    // A real comparison: most households ranked, all tiers and several subcategories present,
    // and the equal visit counts make quintile groups that a strict ntile would have split.
    expect(values.length).toBeGreaterThan(100)
    expect(new Set(values.map((v) => v.tier)).size).toBe(4)
    expect(new Set(segments.map((s) => s.category)).size).toBeGreaterThan(5)
    expect(new Set(segments.map((s) => s.usage)).size).toBe(3)
    const byFrequency = [...values].sort((a, b) => a.frequency - b.frequency || a.householdId - b.householdId)
    expect(tiesCrossBoundaries(byFrequency.map((v) => v.rfm.f), 5)).toBe(true)
  }, 120_000)
})

describe('segment cut points at tied boundaries', () => {
  const MILK = 'FLUID MILK PRODUCTS'
  const T = new Date('2026-03-02T00:00:00Z')
  const T_DAY = T.getTime() / DAY_MS

  beforeEach(async () => {
    await tdb.truncate()
    await makeProduct(db, { sku: 'ANY' })
    await makeProduct(db, { sku: 'MILK-N', subcategory: MILK, brandType: 'national' })
    await makeProduct(db, { sku: 'MILK-S', subcategory: MILK, brandType: 'store' })
  })

  /** A household with one basket per entry: [days before T, cents, milk units]. */
  async function shopper(visits: ReadonlyArray<readonly [number, number, number]>): Promise<number> {
    const id = await makeHousehold(db)
    for (const [days, cents, milk] of visits) {
      const lines = [{ sku: 'ANY', unitPriceCents: cents }, ...(milk !== 0 ? [{ sku: milk > 0 ? 'MILK-S' : 'MILK-N', quantity: Math.abs(milk), unitPriceCents: 100 }] : [])]
      await makeBasket(db, { householdId: id, at: daysBefore(T, days), lines })
    }
    return id
  }

  it('reproduces ties straddling quintile, tertile and tier boundaries, a skipped score, and net-negative spend', async () => {
    // 11 households: ntile(5) draws 3,2,2,2,2 and ntile(3) 4,4,3, so the tie groups below straddle
    // boundaries; recency, visits, spend and milk units repeat in groups of 2–4.
    const plan: Array<Array<readonly [number, number, number]>> = [
      [[5, 1000, 2]], [[5, 1000, 2]], [[5, 1000, 2]], [[5, 1000, 2]],
      [[3, 500, 3], [9, 500, 0]], [[3, 500, 3], [9, 500, 0]], [[3, 500, 3], [9, 500, 0]],
      [[1, 3000, 1.5], [2, 3000, 1.5], [4, 3000, 2]],
      [[1, 3000, 5], [2, 3000, 0], [4, 3000, 0]],
      [[20, 200, -4]],
      [[8, 9000, 5]],
    ]
    for (const visits of plan) await shopper(visits)
    const net = await makeHousehold(db)
    await makeBasket(db, { householdId: net, at: daysBefore(T, 6), lines: [{ sku: 'ANY', unitPriceCents: 100 }] })
    await makeBasket(db, { householdId: net, at: daysBefore(T, 4), lines: [{ sku: 'ANY', quantity: -2, unitPriceCents: 100 }] })
    await makeHousehold(db) // no baskets: no RFM, no segments
    const { values, households } = await expectSameAsPopulation(T_DAY)
    expect(households).toBe(plan.length + 2)
    expect(values.find((v) => v.householdId === net)).toMatchObject({ tier: 'lead', monetaryCents: -100 })
    await expectSameAsPopulation(T_DAY, { ...DEFAULT_SEGMENT_PARAMS, pyramidCuts: [0.2, 0.5, 0.99] })
  })

  it('places a lone household and a population of equals', async () => {
    const lone = await shopper([[3, 400, 2]])
    await expectSameAsPopulation(T_DAY)
    for (let i = 0; i < 6; i++) await shopper([[3, 400, 2]])
    const { values } = await expectSameAsPopulation(T_DAY)
    expect(values.find((v) => v.householdId === lone)?.rfm.code).toBe('111')
  })
})

describe('createSegmentCuts', () => {
  const T = new Date('2026-03-02T00:00:00Z')
  const T_DAY = T.getTime() / DAY_MS

  beforeEach(async () => {
    await tdb.truncate()
    await makeProduct(db, { sku: 'ANY' })
  })

  it('computes a day once for concurrent callers, and again after a late basket dated before the day', async () => {
    const ids: number[] = []
    for (const cents of [100, 200, 300, 400, 500]) {
      const id = await makeHousehold(db)
      await makeBasket(db, { householdId: id, at: daysBefore(T, 3), lines: [{ sku: 'ANY', unitPriceCents: cents }] })
      ids.push(id)
    }
    const memo = createSegmentCuts()
    const [a, b] = await Promise.all([memo.get(ctx, DEFAULT_SEGMENT_PARAMS, T_DAY), memo.get(ctx, DEFAULT_SEGMENT_PARAMS, T_DAY)])
    expect(a).toBe(b)
    expect(memo.started).toBe(1)
    // A basket at T or later does not change the day: same cut points.
    await makeBasket(db, { householdId: ids[0]!, at: T, lines: [{ sku: 'ANY', unitPriceCents: 99_999 }] })
    expect(await memo.get(ctx, DEFAULT_SEGMENT_PARAMS, T_DAY)).toBe(a)
    // A late basket dated before T: computed again, and the household's new spend is placed right.
    await makeBasket(db, { householdId: ids[0]!, at: daysBefore(T, 1), lines: [{ sku: 'ANY', unitPriceCents: 10_000 }] })
    const c = await memo.get(ctx, DEFAULT_SEGMENT_PARAMS, T_DAY)
    expect(memo.started).toBe(2)
    const [population] = await householdValues(ctx, { asOf: T, householdId: ids[0]! })
    const { shareAbove: _, ...expected } = population!
    expect(await householdValueAt(ctx, c, DEFAULT_SEGMENT_PARAMS, ids[0]!)).toEqual(expected)
    expect(population).toMatchObject({ tier: 'platinum', rfm: { m: 5 } })
  })
})
