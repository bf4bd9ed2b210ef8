import { sql } from 'kysely'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, isoToDay, type PredictedItem, predictLists } from '../../src/modules/predictions/predictions.service.ts'
import { explainPredictions } from '../../src/modules/segments/profile.service.ts'
import { seedDatabase } from '../../src/modules/seed/seed.service.ts'
import { brandSegments, householdValues } from '../../src/modules/segments/segments.service.ts'
import { authHeader, buildTestApp } from '../helpers/app.ts'
import { createTestDb } from '../helpers/db.ts'

// The profile's predictions are `pantry predict`'s for the household: same items in the same order,
// same probabilities, dates and cycles, on a seeded chain, at a past asOf and at the clock's day;
// its RFM, tier and segments are the population functions' for the household.

const END = '2026-06-01'
const clock = new Date(`${END}T15:30:00Z`)
const tdb = await createTestDb({ now: () => clock })
const app = await buildTestApp(tdb, { now: () => clock })
// What `pantry predict --as-of` runs with an empty environment (the app here gets no Config either).
const SETTINGS = { ...DEFAULT_SETTINGS, customers: 'loyal' as const, loyalty: { weeklyCents: 2500, weeks: 8 } }

let analyst: { authorization: string }
let cards: Array<{ id: number; externalId: string; cardNumber: string }> = []

beforeAll(async () => {
  await seedDatabase(tdb.ctx, { households: 60, days: 160, seed: 11, end: END, stores: 2 })
  analyst = await authHeader(tdb, 'analyst')
  const r = await sql<{ id: number; externalId: string; cardNumber: string }>`
    SELECT h.id, h.external_id AS "externalId", min(c.card_number) AS "cardNumber"
    FROM household h JOIN loyalty_card c ON c.household_id = h.id
    GROUP BY h.id ORDER BY h.id`.execute(tdb.db)
  cards = r.rows
}, 300_000)

async function predicted(asOfDay: number): Promise<Map<string, readonly PredictedItem[]>> {
  const out = new Map<string, readonly PredictedItem[]>()
  for await (const p of predictLists(tdb.ctx, SETTINGS, asOfDay, 10)) out.set(p.householdId, p.items)
  return out
}

describe('GET /v1/households/:cardNumber/profile predictions', () => {
  it.each([['2026-05-18'], [undefined]])('are the top 10 of pantry predict for the household, with names and reasons (asOf %s)', async (asOf) => {
    const day = asOf ?? END
    const expected = await predicted(isoToDay(day)!)
    expect(expected.size).toBeGreaterThan(10)
    const reasonsAsOf = new Date(`${day}T00:00:00Z`)
    const values = new Map((await householdValues(tdb.ctx, { asOf: reasonsAsOf })).map((v) => [v.householdId, v]))
    const segments = await brandSegments(tdb.ctx, { asOf: reasonsAsOf })
    let listed = 0
    for (const c of cards) {
      const res = await app.inject({ method: 'GET', url: `/v1/households/${c.cardNumber}/profile${asOf ? `?asOf=${asOf}` : ''}`, headers: analyst })
      expect(res.statusCode).toBe(200)
      const body = res.json()
      const items = expected.get(c.externalId) ?? []
      expect(body.predictions, c.externalId).toEqual(await explainPredictions(tdb.ctx, items, reasonsAsOf))
      // Not qualified for a list, so no list line and no predictions (the profile and the model
      // both work as of 00:00 UTC of the day, the clock's by default).
      if (!body.qualified) expect(body.predictions).toEqual([])
      // RFM, tier and segments are the population functions' for the household.
      const v = values.get(c.id)
      expect([body.rfm, body.tier], c.externalId).toEqual([v ? { ...v.rfm, recencyDays: v.recencyDays, frequency: v.frequency, monetaryCents: v.monetaryCents } : null, v?.tier ?? null])
      expect(body.segments, c.externalId).toEqual(segments.filter((s) => s.householdId === c.id).map(({ householdId: _, ...s }) => s))
      if (items.length > 0) listed++
    }
    expect(listed).toBe(expected.size)
    const first = [...expected.values()][0]![0]!
    expect(first.probability).toBeGreaterThan(0)
  }, 120_000)
})
