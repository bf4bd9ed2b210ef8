import { sql } from 'kysely'
import { beforeEach, describe, expect, it } from 'vitest'
import { ATTRIBUTE_RULES } from '../../src/modules/segments/attribute-rules.ts'
import { DEFAULT_SEGMENT_PARAMS, ntileOf, type SegmentParams } from '../../src/modules/segments/segments.model.ts'
import {
  brandSegments,
  householdAttributes,
  householdValues,
  loyaltySpend,
  pyramidTiers,
  qualifiedHouseholds,
  rfm,
} from '../../src/modules/segments/segments.service.ts'
import { createTestDb } from '../helpers/db.ts'
import { daysBefore, makeBasket, makeHousehold, makeProduct } from '../helpers/factories.ts'

const tdb = await createTestDb()
const ctx = tdb.ctx
const db = tdb.db

// As-of instant for every test: a Monday, 00:00 UTC. The loyalty window is [T − 56 d, T).
const T = new Date('2026-03-02T00:00:00Z')
const WINDOW_START = daysBefore(T, 56)
const THRESHOLD = DEFAULT_SEGMENT_PARAMS.loyalWeeklyCents * DEFAULT_SEGMENT_PARAMS.loyalWeeks

beforeEach(async () => {
  await tdb.truncate()
  await makeProduct(db, { sku: 'ANY' })
})

/** A household with one single-line basket per entry: [days before T, cents]. */
async function spender(visits: ReadonlyArray<readonly [number, number]>, optedIn = true): Promise<number> {
  const id = await makeHousehold(db, { optedIn })
  for (const [days, cents] of visits) await makeBasket(db, { householdId: id, at: daysBefore(T, days), lines: [{ sku: 'ANY', unitPriceCents: cents }] })
  return id
}

const qualifiedIds = async (asOf = T, params?: SegmentParams) => (await qualifiedHouseholds(ctx, { asOf, params })).map((q) => q.householdId)

describe('qualifiedHouseholds', () => {
  it('qualifies exactly at the threshold, not a cent below', async () => {
    expect(THRESHOLD).toBe(20_000)
    const at = await spender([[1, THRESHOLD]])
    const below = await spender([[1, THRESHOLD - 1]])
    const q = await qualifiedHouseholds(ctx, { asOf: T })
    expect(q).toEqual([expect.objectContaining({ householdId: at, windowSpendCents: THRESHOLD, weeklySpendCents: 2_500 })])
    expect(await loyaltySpend(ctx, below, { asOf: T })).toBe(THRESHOLD - 1)
  })

  it('excludes an opted-out big spender', async () => {
    await spender([[1, 1_000_000]], false)
    const inId = await spender([[1, THRESHOLD]])
    expect(await qualifiedIds()).toEqual([inId])
  })

  it('counts a basket at the window start and nothing before it', async () => {
    const onEdge = await makeHousehold(db)
    await makeBasket(db, { householdId: onEdge, at: WINDOW_START, lines: [{ sku: 'ANY', unitPriceCents: THRESHOLD }] })
    const justBefore = await makeHousehold(db)
    await makeBasket(db, { householdId: justBefore, at: new Date(WINDOW_START.getTime() - 1), lines: [{ sku: 'ANY', unitPriceCents: THRESHOLD }] })
    await makeBasket(db, { householdId: justBefore, at: daysBefore(T, 1), lines: [{ sku: 'ANY', unitPriceCents: 1 }] })
    expect(await qualifiedIds()).toEqual([onEdge])
  })

  it('ignores a basket at the as-of instant and after it', async () => {
    const id = await spender([[0, THRESHOLD]])
    await spender([[-3, THRESHOLD]])
    expect(await qualifiedIds()).toEqual([])
    expect(await qualifiedIds(new Date(T.getTime() + 1))).toEqual([id])
  })

  it('nets returns and discounts out of spend', async () => {
    const returned = await makeHousehold(db)
    await makeBasket(db, { householdId: returned, at: daysBefore(T, 10), lines: [{ sku: 'ANY', quantity: 5, unitPriceCents: 5_000 }] })
    await makeBasket(db, { householdId: returned, at: daysBefore(T, 9), lines: [{ sku: 'ANY', quantity: -1, unitPriceCents: 5_001 }] })
    const discounted = await makeHousehold(db)
    await makeBasket(db, { householdId: discounted, at: daysBefore(T, 2), lines: [{ sku: 'ANY', unitPriceCents: 20_500, discountCents: 501 }] })
    expect(await qualifiedIds()).toEqual([])
    expect(await loyaltySpend(ctx, returned, { asOf: T })).toBe(THRESHOLD - 1)
    expect(await loyaltySpend(ctx, discounted, { asOf: T })).toBe(THRESHOLD - 1)
  })

  it('never includes household 0 (baskets without a card)', async () => {
    await makeHousehold(db, { id: 0, externalId: 'no-card', optedIn: true })
    await makeBasket(db, { householdId: 0, at: daysBefore(T, 1), lines: [{ sku: 'ANY', unitPriceCents: 10 * THRESHOLD }] })
    expect(await qualifiedIds()).toEqual([])
    expect(await rfm(ctx, { asOf: T })).toEqual([])
  })

  it('follows the configured threshold and window', async () => {
    const id = await spender([[20, 4_000], [30, 4_000]])
    expect(await qualifiedIds()).toEqual([])
    const params = { ...DEFAULT_SEGMENT_PARAMS, loyalWeeklyCents: 1_000, loyalWeeks: 4 }
    // 4 weeks hold only the basket 20 days back: 4 000 = 4 × 1 000; 2 weeks hold none
    expect(await qualifiedIds(T, params)).toEqual([id])
    expect(await qualifiedIds(T, { ...params, loyalWeeks: 2 })).toEqual([])
  })
})

describe('rfm', () => {
  it('scores a hand-computed population into quintiles, 5 best', async () => {
    // [days before T, cents] per basket → recency, frequency, monetary
    const h1 = await spender([[3, 500]]) //                                  R 3   F 1  M 500
    const h2 = await spender([[10, 100], [20, 100]]) //                      R 10  F 2  M 200
    const h3 = await spender([[1, 50], [30, 50], [60, 50]]) //               R 1   F 3  M 150
    const h4 = await spender([[40, 100], [41, 100], [42, 100], [43, 100]]) // R 40 F 4  M 400
    const h5 = await spender([[20, 60], [21, 60], [22, 60], [23, 60], [24, 60]]) // R 20 F 5 M 300
    const codes = new Map((await rfm(ctx, { asOf: T })).map((r) => [r.householdId, r.code]))
    // recency best→worst h3 h1 h2 h5 h4; frequency h5 h4 h3 h2 h1; monetary h1 h4 h5 h2 h3
    expect(Object.fromEntries(codes)).toEqual({ [h1]: '415', [h2]: '322', [h3]: '531', [h4]: '144', [h5]: '253' })
  })

  it('gives tied values the same, lower score', async () => {
    const tied = [await spender([[5, 100]]), await spender([[5, 100]]), await spender([[5, 100]]), await spender([[5, 100]])]
    const best = await spender([[1, 100], [2, 100], [3, 100], [4, 100], [5, 100]])
    const byId = new Map((await rfm(ctx, { asOf: T })).map((r) => [r.householdId, r]))
    for (const id of tied) expect(byId.get(id)).toMatchObject({ r: 1, f: 1, m: 1, code: '111' })
    expect(byId.get(best)?.code).toBe('555')
  })

  it('counts whole days of recency and ignores return-only baskets and baskets at T', async () => {
    const id = await makeHousehold(db)
    await makeBasket(db, { householdId: id, at: daysBefore(T, 1.5), lines: [{ sku: 'ANY', unitPriceCents: 1_000 }, { sku: 'ANY', quantity: -1, unitPriceCents: 200 }] })
    await makeBasket(db, { householdId: id, at: daysBefore(T, 0.5), lines: [{ sku: 'ANY', quantity: -1, unitPriceCents: 300 }] })
    await makeBasket(db, { householdId: id, at: T, lines: [{ sku: 'ANY', unitPriceCents: 9_999 }] })
    const [v] = await householdValues(ctx, { asOf: T, householdId: id })
    expect(v).toMatchObject({ recencyDays: 1, frequency: 1, monetaryCents: 1_000 - 200 - 300 })
    const lapsed = await makeHousehold(db)
    await makeBasket(db, { householdId: lapsed, at: daysBefore(T, 10), lines: [{ sku: 'ANY', quantity: -1, unitPriceCents: 500 }] })
    expect(await householdValues(ctx, { asOf: T, householdId: lapsed })).toEqual([])
  })

  it('ranks one household against the whole population', async () => {
    const ids = [await spender([[50, 100]]), await spender([[40, 200]]), await spender([[30, 300]]), await spender([[20, 400]]), await spender([[10, 500]])]
    const all = await rfm(ctx, { asOf: T })
    for (const id of ids) expect(await rfm(ctx, { asOf: T, householdId: id })).toEqual(all.filter((r) => r.householdId === id))
  })
})

describe('pyramidTiers', () => {
  const tiersOf = async () => new Map((await pyramidTiers(ctx, { asOf: T })).map((t) => [t.householdId, t.tier]))

  it('cuts cumulative shares of spend at 50 / 80 / 95 %', async () => {
    const ids = []
    for (const cents of [6_000, 2_000, 1_000, 500, 300, 200]) ids.push(await spender([[3, cents]]))
    const tiers = await tiersOf()
    // shares made by bigger spenders: 0, .6, .8, .9, .95, .98
    expect(ids.map((id) => tiers.get(id))).toEqual(['platinum', 'gold', 'iron', 'iron', 'lead', 'lead'])
  })

  it('keeps ties in one tier and puts net-negative spenders in lead', async () => {
    const tied = [await spender([[3, 3_000]]), await spender([[4, 3_000]]), await spender([[5, 3_000]])]
    const small = await spender([[3, 1_000]])
    const negative = await makeHousehold(db)
    await makeBasket(db, { householdId: negative, at: daysBefore(T, 4), lines: [{ sku: 'ANY', unitPriceCents: 100 }] })
    await makeBasket(db, { householdId: negative, at: daysBefore(T, 3), lines: [{ sku: 'ANY', quantity: -3, unitPriceCents: 100 }] })
    const tiers = await tiersOf()
    expect(tied.map((id) => tiers.get(id))).toEqual(['platinum', 'platinum', 'platinum'])
    expect(tiers.get(small)).toBe('iron')
    expect(tiers.get(negative)).toBe('lead')
  })

  it('follows configured cuts', async () => {
    const big = await spender([[3, 9_000]])
    const rest = await spender([[3, 1_000]])
    const params = { ...DEFAULT_SEGMENT_PARAMS, pyramidCuts: [0.1, 0.2, 0.3] as const }
    const tiers = new Map((await pyramidTiers(ctx, { asOf: T, params })).map((t) => [t.householdId, t.tier]))
    expect([tiers.get(big), tiers.get(rest)]).toEqual(['platinum', 'lead'])
  })
})

describe('brandSegments', () => {
  const MILK = 'FLUID MILK PRODUCTS'
  beforeEach(async () => {
    await makeProduct(db, { sku: 'MILK-N', subcategory: MILK, brandType: 'national' })
    await makeProduct(db, { sku: 'MILK-S', subcategory: MILK, brandType: 'store' })
    await makeProduct(db, { sku: 'EGGS-S', subcategory: 'EGGS', brandType: 'store' })
    await makeProduct(db, { sku: 'EGGS-X', subcategory: 'EGGS', brandType: null })
    await makeProduct(db, { sku: 'LOOSE', subcategory: null })
  })

  async function buyer(national: number, store: number, returnedNational = 0): Promise<number> {
    const id = await makeHousehold(db)
    const lines = [
      ...(national > 0 ? [{ sku: 'MILK-N', quantity: national, unitPriceCents: 300 }] : []),
      ...(store > 0 ? [{ sku: 'MILK-S', quantity: store, unitPriceCents: 200 }] : []),
    ]
    await makeBasket(db, { householdId: id, at: daysBefore(T, 30), lines })
    if (returnedNational > 0) {
      await makeBasket(db, { householdId: id, at: daysBefore(T, 20), lines: [{ sku: 'MILK-N', quantity: -returnedNational, unitPriceCents: 300 }] })
    }
    return id
  }

  it('splits national-loyal / store-loyal / swing at 80 % of units, and usage into tertiles', async () => {
    const h1 = await buyer(4, 1) //      5 units, national 80 %
    const h2 = await buyer(1, 5) //      6 units, store 83 %
    const h3 = await buyer(7, 3) //     10 units, national 70 %
    const h4 = await buyer(3, 9) //     12 units, store 75 %
    const h5 = await buyer(25, 0, 5) // 20 units after a return, all national
    const h6 = await buyer(24, 6) //    30 units, national 80 %
    const seg = new Map((await brandSegments(ctx, { asOf: T, category: MILK })).map((s) => [s.householdId, [s.brandLoyalty, s.usage, s.units]]))
    expect(Object.fromEntries(seg)).toEqual({
      [h1]: ['national-loyal', 'low', 5],
      [h2]: ['store-loyal', 'low', 6],
      [h3]: ['swing', 'medium', 10],
      [h4]: ['swing', 'medium', 12],
      [h5]: ['national-loyal', 'high', 20],
      [h6]: ['national-loyal', 'high', 30],
    })
  })

  it('ranks usage within each subcategory and gives ties the lower tertile', async () => {
    const ids = []
    for (const n of [1, 2, 3]) {
      const id = await makeHousehold(db)
      await makeBasket(db, { householdId: id, at: daysBefore(T, 5), lines: [{ sku: 'EGGS-S', quantity: n, unitPriceCents: 250 }, { sku: 'MILK-S', quantity: 2, unitPriceCents: 200 }] })
      ids.push(id)
    }
    const segs = await brandSegments(ctx, { asOf: T })
    const eggs = ids.map((id) => segs.find((s) => s.householdId === id && s.category === 'EGGS')?.usage)
    const milk = ids.map((id) => segs.find((s) => s.householdId === id && s.category === MILK)?.usage)
    expect(eggs).toEqual(['low', 'medium', 'high'])
    expect(milk).toEqual(['low', 'low', 'low'])
    expect(segs.every((s) => s.brandLoyalty === 'store-loyal')).toBe(true)
  })

  it('ranks one household as the whole population does, ties included', async () => {
    const ids = []
    for (const [n, s] of [[4, 1], [1, 5], [4, 1], [7, 3], [2, 2], [20, 0], [3, 9]] as const) ids.push(await buyer(n, s))
    const eggs = await makeHousehold(db)
    await makeBasket(db, { householdId: eggs, at: daysBefore(T, 5), lines: [{ sku: 'EGGS-S', quantity: 2, unitPriceCents: 250 }, { sku: 'MILK-S', quantity: 5, unitPriceCents: 200 }] })
    ids.push(eggs)
    const all = await brandSegments(ctx, { asOf: T })
    for (const id of ids) expect(await brandSegments(ctx, { asOf: T, householdId: id })).toEqual(all.filter((s) => s.householdId === id))
  })

  it('leaves out products without a brand type or subcategory, returns that net to zero, and other households', async () => {
    const id = await makeHousehold(db)
    await makeBasket(db, { householdId: id, at: daysBefore(T, 5), lines: [{ sku: 'EGGS-X', quantity: 3, unitPriceCents: 100 }, { sku: 'LOOSE', unitPriceCents: 100 }] })
    const netZero = await buyer(2, 0, 2)
    const other = await buyer(0, 4)
    expect(await brandSegments(ctx, { asOf: T, householdId: id })).toEqual([])
    expect(await brandSegments(ctx, { asOf: T, householdId: netZero })).toEqual([])
    expect((await brandSegments(ctx, { asOf: T, householdId: other })).map((s) => s.category)).toEqual([MILK])
  })

  it('uses only the window before T', async () => {
    const id = await makeHousehold(db)
    await makeBasket(db, { householdId: id, at: daysBefore(T, 7 * DEFAULT_SEGMENT_PARAMS.windowWeeks + 1), lines: [{ sku: 'MILK-N', quantity: 10, unitPriceCents: 300 }] })
    await makeBasket(db, { householdId: id, at: daysBefore(T, 3), lines: [{ sku: 'MILK-S', quantity: 1, unitPriceCents: 200 }] })
    await makeBasket(db, { householdId: id, at: T, lines: [{ sku: 'MILK-N', quantity: 10, unitPriceCents: 300 }] })
    expect((await brandSegments(ctx, { asOf: T, householdId: id })).map((s) => s.brandLoyalty)).toEqual(['store-loyal'])
  })
})

describe('ntileOf', () => {
  it('matches PostgreSQL ntile() for every position of small partitions', async () => {
    const r = await sql<{ n: number; p: number; k: number; bucket: number }>`
      SELECT n, p, k, ntile(k) OVER (PARTITION BY n, k ORDER BY p)::int AS bucket
      FROM generate_series(1, 17) n CROSS JOIN LATERAL generate_series(0, n - 1) p CROSS JOIN (VALUES (3), (5)) AS ks(k)`.execute(db)
    expect(r.rows.length).toBeGreaterThan(100)
    for (const row of r.rows) expect(ntileOf(row.p, row.n, row.k)).toBe(row.bucket)
  })
})

describe('householdAttributes', () => {
  beforeEach(async () => {
    await makeProduct(db, { sku: 'DOG', category: 'GROCERY', subcategory: 'DOG FOODS' })
    await makeProduct(db, { sku: 'HOTDOG', category: 'MEAT-PCKGD', subcategory: 'HOT DOGS' })
    await makeProduct(db, { sku: 'DIAPER', category: 'DRUG GM', subcategory: 'DIAPERS & DISPOSABLES' })
    await makeProduct(db, { sku: 'FORMULA', category: 'DRUG GM', subcategory: 'INFANT FORMULA' })
    await makeProduct(db, { sku: 'APPLE', category: 'PRODUCE', subcategory: 'APPLES' })
    await makeProduct(db, { sku: 'POPCORN', category: 'PRODUCE', subcategory: 'POPCORN' })
  })

  async function shopper(baskets: ReadonlyArray<readonly [number, ReadonlyArray<readonly [string, number]>]>): Promise<number> {
    const id = await makeHousehold(db)
    for (const [days, lines] of baskets) {
      await makeBasket(db, { householdId: id, at: daysBefore(T, days), lines: lines.map(([sku, cents]) => ({ sku, unitPriceCents: cents })) })
    }
    return id
  }
  const attrs = async (id: number) => (await householdAttributes(ctx, { asOf: T, householdId: id }))[0]

  it('infers a pet owner from pet food on two baskets in 90 days, not hot dogs', async () => {
    const pet = await shopper([[5, [['DOG', 900]]], [40, [['DOG', 900]]]])
    const once = await shopper([[5, [['DOG', 900]]]])
    const old = await shopper([[5, [['DOG', 900]]], [ATTRIBUTE_RULES.windowDays + 1, [['DOG', 900]]]])
    const hotDogs = await shopper([[5, [['HOTDOG', 400]]], [6, [['HOTDOG', 400]]]])
    expect(await attrs(pet)).toMatchObject({ petOwner: true, evidence: { petTrips: 2 } })
    expect(await attrs(once)).toMatchObject({ petOwner: false, evidence: { petTrips: 1 } })
    expect((await attrs(old))?.petOwner).toBe(false)
    expect(await attrs(hotDogs)).toMatchObject({ petOwner: false, evidence: { petTrips: 0 } })
  })

  it('infers a baby from diapers or formula on two baskets', async () => {
    const baby = await shopper([[3, [['DIAPER', 1_500]]], [10, [['FORMULA', 2_000], ['ANY', 100]]]])
    const none = await shopper([[3, [['ANY', 1_500]]], [10, [['ANY', 2_000]]]])
    expect(await attrs(baby)).toMatchObject({ baby: true, petOwner: false, evidence: { babyTrips: 2, trips: 2 } })
    expect((await attrs(none))?.baby).toBe(false)
  })

  it('calls a household produce-heavy from its share of spend over at least two baskets', async () => {
    const heavy = await shopper([[3, [['APPLE', 300], ['ANY', 700]]], [10, [['APPLE', 300], ['ANY', 700]]]])
    const light = await shopper([[3, [['APPLE', 100], ['ANY', 900]]], [10, [['APPLE', 100], ['ANY', 900]]]])
    const popcorn = await shopper([[3, [['POPCORN', 900], ['ANY', 100]]], [10, [['POPCORN', 900], ['ANY', 100]]]])
    const oneBasket = await shopper([[3, [['APPLE', 1_000]]]])
    expect(await attrs(heavy)).toMatchObject({ produceHeavy: true, evidence: { produceShare: 0.3 } })
    expect((await attrs(light))?.produceHeavy).toBe(false)
    expect(await attrs(popcorn)).toMatchObject({ produceHeavy: false, evidence: { produceShare: 0 } })
    expect(await attrs(oneBasket)).toMatchObject({ produceHeavy: false, evidence: { produceShare: 1, trips: 1 } })
  })
})
