import { beforeAll, describe, expect, inject, it } from 'vitest'
import { runBacktest } from '../../src/modules/predictions/backtest.service.ts'
import { prng } from '../../src/modules/predictions/metrics.ts'
import { qualifiedLoyalHouseholds } from '../../src/modules/predictions/predictions.repository.ts'
import {
  DEFAULT_SETTINGS, type HouseholdPrediction, isoToDay, type ModelSettings, predictLists,
} from '../../src/modules/predictions/predictions.service.ts'
import { withDatabase } from '../global-setup.ts'
import { runCli } from '../helpers/cli.ts'
import { createTestDb } from '../helpers/db.ts'
import { makeBasket, makeHousehold, makeProduct } from '../helpers/factories.ts'

const tdb = await createTestDb()
const AS_OF = '2026-07-01'
const T = isoToDay(AS_OF)!
const LOYALTY = { weeklyCents: 2500, weeks: 8 }
const settings = (customers: 'loyal' | 'all' = 'all'): ModelSettings => ({ ...DEFAULT_SETTINGS, customers, loyalty: LOYALTY })
const iso = (day: number, hour = 10) => new Date(day * 86_400_000 + hour * 3_600_000).toISOString()

const PRODUCTS = [
  { sku: 'milk', category: 'DAIRY', subcategory: 'MILK', priceCents: 900 },
  { sku: 'bread', category: 'BAKERY', subcategory: 'BREAD', priceCents: 800 },
  { sku: 'detergent', category: 'HOME', subcategory: 'DETERGENT', priceCents: 1500 },
]

/** A household shopping every 3–4 days from `from` to `to`: bread each trip, milk weekly, detergent monthly. */
async function shopper(householdId: number, card: string, from: number, to: number, seed: number): Promise<void> {
  const rnd = prng(seed)
  let lastMilk = -99
  let lastDetergent = from - Math.floor(rnd() * 30)
  for (let day = from; day < to; day += 3 + Math.floor(rnd() * 2)) {
    const lines = [{ sku: 'bread', unitPriceCents: 800 }]
    if (day - lastMilk >= 7) {
      lines.push({ sku: 'milk', unitPriceCents: 900 })
      lastMilk = day
    }
    if (day - lastDetergent >= 30) {
      lines.push({ sku: 'detergent', unitPriceCents: 1500 })
      lastDetergent = day
    }
    await makeBasket(tdb.db, { householdId, at: iso(day), lines, cardNumber: card })
  }
}

async function collect(s: ModelSettings, asOfDay = T): Promise<HouseholdPrediction[]> {
  const out: HouseholdPrediction[] = []
  for await (const p of predictLists(tdb.ctx, s, asOfDay, 20)) out.push(p)
  return out
}

const ids: Record<string, number> = {}

beforeAll(async () => {
  for (const p of PRODUCTS) await makeProduct(tdb.db, p)
  for (let i = 1; i <= 24; i++) {
    const card = `C${1000 + i}`
    ids[`H${i}`] = await makeHousehold(tdb.db, { externalId: `H${i}`, cards: [card, `Z${i}`] })
    await shopper(ids[`H${i}`]!, card, T - 150 + (i % 5), T, i)
  }
  // Stopped shopping three months before the as-of date.
  ids.LAPSED = await makeHousehold(tdb.db, { externalId: 'LAPSED', cards: ['C2000'] })
  await shopper(ids.LAPSED, 'C2000', T - 150, T - 90, 99)
  // Shops like the others but never opted in: not a list customer.
  ids.OPTOUT = await makeHousehold(tdb.db, { externalId: 'OPTOUT', optedIn: false, cards: ['C3000'] })
  await shopper(ids.OPTOUT, 'C3000', T - 150, T, 77)
}, 120_000)

describe('pantry predict on a hand-built chain', () => {
  it('lists weekly milk for an active household, best first, with the documented fields', async () => {
    const out = await collect(settings())
    const h1 = out.find((p) => p.householdId === 'H1')!
    expect(h1.cardNumber).toBe('C1001')
    const probs = h1.items.map((i) => i.probability)
    expect(probs).toEqual([...probs].sort((a, b) => b - a))
    const milk = h1.items.find((i) => i.sku === 'milk')!
    expect(milk.probability).toBeGreaterThan(0.5)
    expect(milk.cycleDays).toBeGreaterThan(5)
    expect(milk.cycleDays).toBeLessThan(10)
    expect(milk.lastPurchased < AS_OF).toBe(true)
    expect(milk.expectedDate >= AS_OF).toBe(true)
  })

  it('drops a household that stopped shopping, and keeps opted-out households off the loyal list', async () => {
    const all = await collect(settings('all'))
    expect(all.map((p) => p.householdId)).not.toContain('LAPSED')
    expect(all.map((p) => p.householdId)).toContain('OPTOUT')
    const loyal = await collect(settings('loyal'))
    expect(loyal.map((p) => p.householdId)).not.toContain('OPTOUT')
    expect(loyal.length).toBeGreaterThan(12)
  })

  it('applies the same loyalty rule as the qualification query', async () => {
    const loyal = (await collect(settings('loyal'))).map((p) => p.householdId).sort()
    const qualified = await qualifiedLoyalHouseholds(tdb.db, T, LOYALTY)
    const byId = new Map(Object.entries(ids).map(([ext, id]) => [id, ext]))
    expect(qualified.map((id) => byId.get(id)!).filter((ext) => ext !== 'LAPSED').sort()).toEqual(loyal)
  })

  it('replays a past as-of date unchanged after later baskets arrive', async () => {
    const before = await collect(settings())
    for (let i = 1; i <= 24; i++) {
      await makeBasket(tdb.db, { householdId: ids[`H${i}`]!, at: iso(T, 0), lines: [{ sku: 'milk', unitPriceCents: 900 }, { sku: 'detergent', quantity: 3, unitPriceCents: 1500 }] })
      await makeBasket(tdb.db, { householdId: ids[`H${i}`]!, at: iso(T + 5), lines: [{ sku: 'bread', unitPriceCents: 800 }] })
    }
    await makeBasket(tdb.db, { householdId: ids.LAPSED!, at: iso(T + 1), lines: [{ sku: 'milk', unitPriceCents: 900 }] })
    const late = await makeHousehold(tdb.db, { externalId: 'LATE', cards: ['C4000'] })
    await shopper(late, 'C4000', T, T + 20, 5)
    const after = await collect(settings())
    expect(after).toEqual(before)
    const later = await collect(settings(), T + 7)
    expect(later).not.toEqual(before)
  })
})

describe('pantry backtest', () => {
  it('evaluates the model and the baselines at each cutoff', async () => {
    const r = await runBacktest(tdb.ctx, settings(), { fromDay: T - 42, toDay: T - 14, everyDays: 14 })
    expect(r.cutoffs.map((c) => c.asOf)).toHaveLength(3)
    expect(r.households.evaluated).toBeGreaterThan(50)
    for (const m of ['eb-renewal', 'p-topfreq', 'decayed-frequency', 'last-window']) {
      const v = r.ranking[m]!
      expect(v.ndcg10).toBeGreaterThan(0)
      expect(v.ndcg10).toBeLessThanOrEqual(1)
    }
    expect(r.calibration.pairs).toBeGreaterThan(100)
    expect(r.calibration.brier).toBeLessThan(0.25)
  })
})

describe('pantry predict CLI', () => {
  const env = () => ({ DATABASE_URL: withDatabase(inject('adminUrl'), tdb.name) })

  it('prints one NDJSON line per household', async () => {
    const r = await runCli(['predict', '--as-of', AS_OF, '--customers', 'all', '--top', '2'], env())
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as HouseholdPrediction)
    expect(lines.length).toBeGreaterThan(20)
    for (const p of lines) {
      expect(Object.keys(p)).toEqual(['cardNumber', 'householdId', 'items'])
      expect(p.items.length).toBeLessThanOrEqual(2)
      for (const it of p.items) {
        expect(Object.keys(it)).toEqual(['sku', 'probability', 'expectedDate', 'cycleDays', 'lastPurchased'])
        expect(it.probability).toBeGreaterThanOrEqual(0)
        expect(it.probability).toBeLessThanOrEqual(1)
        expect(it.expectedDate).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      }
    }
    expect(r.stderr).toMatch(/predict 2026-07-01: \d+ households/)
  })

  it('prints CSV with one row per listed item', async () => {
    const r = await runCli(['predict', '--as-of', AS_OF, '--customers', 'all', '--top', '1', '--format', 'csv'], env())
    expect(r.code).toBe(0)
    const [header, first] = r.stdout.split('\n')
    expect(header).toBe('card_number,household_id,rank,sku,probability,expected_date,cycle_days,last_purchased')
    expect(first).toMatch(/^C\d+,H\d+,1,\w+,[\d.]+,\d{4}-\d{2}-\d{2},[\d.]+,\d{4}-\d{2}-\d{2}$/)
  })

  it('refuses a date that does not exist', async () => {
    const r = await runCli(['predict', '--as-of', '2026-02-30'], env())
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--as-of must be a date YYYY-MM-DD')
  })
})
