import { beforeAll, describe, expect, it } from 'vitest'
import { createPopulationFits, predictHousehold } from '../../src/modules/predictions/household-scorer.ts'
import {
  DEFAULT_SETTINGS, isoToDay, type ModelSettings, type PredictedItem, predictLists,
} from '../../src/modules/predictions/predictions.service.ts'
import { seedDatabase } from '../../src/modules/seed/seed.service.ts'
import { createTestDb } from '../helpers/db.ts'
import { makeBasket } from '../helpers/factories.ts'

// The per-household scoring path (the profile's predictions) against `pantry predict` on a seeded
// chain: the same items, probabilities, dates and cycles for every household, at several as-of days.

const tdb = await createTestDb()
const END = '2026-06-01'
const T = isoToDay(END)!
const LOYALTY = { weeklyCents: 2500, weeks: 8 }
const settings = (customers: 'loyal' | 'all'): ModelSettings => ({ ...DEFAULT_SETTINGS, customers, loyalty: LOYALTY })
const TOP = 10

let households: Array<{ id: number; externalId: string }> = []

async function listed(s: ModelSettings, asOfDay: number): Promise<Map<string, readonly PredictedItem[]>> {
  const out = new Map<string, readonly PredictedItem[]>()
  for await (const p of predictLists(tdb.ctx, s, asOfDay, TOP)) out.set(p.householdId, p.items)
  return out
}

beforeAll(async () => {
  await seedDatabase(tdb.ctx, { households: 120, days: 200, seed: 7, end: END, stores: 2 })
  households = await tdb.db
    .selectFrom('household')
    .select(['id', 'external_id as externalId'])
    .where('id', '<>', 0)
    .orderBy('id')
    .execute()
}, 300_000)

describe('predictHousehold', () => {
  it.each([
    ['loyal', T],
    ['loyal', T - 45],
    ['all', T - 10],
  ] as const)('gives every household what predictLists gives it (%s, day %i), from one population fit', async (customers, asOfDay) => {
    const s = settings(customers)
    const expected = await listed(s, asOfDay)
    const fits = createPopulationFits()
    let empty = 0
    for (const h of households) {
      const items = await predictHousehold(tdb.ctx, fits, { settings: s, householdId: h.id, asOfDay, top: TOP })
      expect(items, h.externalId).toEqual(expected.get(h.externalId) ?? [])
      if (items.length === 0) empty++
    }
    expect(fits.fitsStarted).toBe(1)
    // A real comparison: many households are listed, and the loyal scope leaves some out.
    expect(expected.size).toBeGreaterThan(households.length / 4)
    expect(empty).toBe(households.length - expected.size)
    if (customers === 'loyal') expect(empty).toBeGreaterThan(0)
  }, 120_000)

  it('answers [] for an unknown household and for household 0', async () => {
    const fits = createPopulationFits()
    for (const householdId of [0, 99_999]) {
      expect(await predictHousehold(tdb.ctx, fits, { settings: settings('all'), householdId, asOfDay: T, top: TOP })).toEqual([])
    }
  })

  it('keeps the fit while later baskets arrive, and refits when a basket dated before the as-of day does', async () => {
    const s = settings('loyal')
    const asOfDay = T - 30
    const before = await listed(s, asOfDay)
    const [h] = households.filter((x) => before.has(x.externalId))
    const fits = createPopulationFits()
    const ask = () => predictHousehold(tdb.ctx, fits, { settings: s, householdId: h!.id, asOfDay, top: TOP })
    expect(await ask()).toEqual(before.get(h!.externalId))
    expect(await ask()).toEqual(before.get(h!.externalId))
    expect(fits.fitsStarted).toBe(1)

    // Baskets on and after the as-of day change nothing: faithful replay, same fit.
    const sku = before.get(h!.externalId)![0]!.sku
    await makeBasket(tdb.db, { householdId: h!.id, at: new Date(asOfDay * 86_400_000), lines: [{ sku, quantity: 3, unitPriceCents: 500 }] })
    expect(await ask()).toEqual(before.get(h!.externalId))
    expect(fits.fitsStarted).toBe(1)

    // A late basket (a lane's offline queue) dated the day before: the population changed, so the
    // fit is made again, and the answer is still what a fresh `pantry predict` prints.
    await makeBasket(tdb.db, { householdId: h!.id, at: new Date((asOfDay - 1) * 86_400_000 + 3_600_000), lines: [{ sku, quantity: 4, unitPriceCents: 500 }] })
    const after = await listed(s, asOfDay)
    expect(after.get(h!.externalId)).not.toEqual(before.get(h!.externalId))
    expect(await ask()).toEqual(after.get(h!.externalId))
    expect(fits.fitsStarted).toBe(2)
  }, 120_000)

  it('shares one fit between concurrent first calls', async () => {
    const fits = createPopulationFits()
    const s = settings('all')
    const results = await Promise.all(households.slice(0, 5).map((h) => predictHousehold(tdb.ctx, fits, { settings: s, householdId: h.id, asOfDay: T - 3, top: TOP })))
    expect(fits.fitsStarted).toBe(1)
    const expected = await listed(s, T - 3)
    results.forEach((items, i) => expect(items).toEqual(expected.get(households[i]!.externalId) ?? []))
  }, 120_000)
})
