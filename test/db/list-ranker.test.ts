import { beforeAll, describe, expect, it } from 'vitest'
import { runBacktest } from '../../src/modules/predictions/backtest.service.ts'
import { fitPopulation } from '../../src/modules/predictions/household-scorer.ts'
import { RANKED_ITEMS } from '../../src/modules/predictions/list-ranker.ts'
import { DEFAULT_SETTINGS, isoToDay, openRun, scoreHouseholds } from '../../src/modules/predictions/predictions.service.ts'
import { byProbability } from '../../src/modules/predictions/repurchase-model.ts'
import { seedDatabase } from '../../src/modules/seed/seed.service.ts'
import { createTestDb } from '../helpers/db.ts'

// The list ranker on a seeded chain: trained on the earlier cutoffs, it re-orders only each
// household's best candidates, keeps printed probabilities falling down the list, and its lists beat
// the household's own top-frequency list in a backtest.

const END = '2026-08-01'
const T = isoToDay('2026-07-04')!
const tdb = await createTestDb()
const SETTINGS = { ...DEFAULT_SETTINGS, customers: 'all' as const, loyalty: { weeklyCents: 2500, weeks: 8 } }

beforeAll(async () => {
  await seedDatabase(tdb.ctx, { households: 300, days: 300, seed: 5, end: END, stores: 2 })
}, 300_000)

describe('the list ranker', () => {
  it('is trained on the earlier cutoffs of a real-sized history', async () => {
    const fit = await fitPopulation(tdb.ctx, SETTINGS, T)
    expect(fit.ranker.forest).toBeDefined()
    expect(fit.ranker.forest!.trees.length).toBeGreaterThan(10)
    expect(fit.ranker.calibrator.fittedOn).toBeGreaterThan(10_000)
  })

  it('re-orders only the best candidates by raw score, with probabilities falling down the list', async () => {
    const run = await openRun(tdb.ctx, SETTINGS)
    let households = 0
    let reordered = 0
    for await (const h of scoreHouseholds(tdb.ctx, run, T)) {
      if (!h.items) continue
      households += 1
      const byRaw = [...h.items].sort(byProbability)
      const top = h.items.slice(0, RANKED_ITEMS)
      expect(new Set(top.map((i) => i.sku))).toEqual(new Set(byRaw.slice(0, RANKED_ITEMS).map((i) => i.sku)))
      expect(h.items.slice(RANKED_ITEMS).map((i) => i.sku)).toEqual(byRaw.slice(RANKED_ITEMS).map((i) => i.sku))
      if (top.some((it, i) => it.sku !== byRaw[i]!.sku)) reordered += 1
      const probs = h.items.map((i) => i.calibrated)
      expect(probs).toEqual([...probs].sort((a, b) => b - a))
    }
    expect(households).toBeGreaterThan(100)
    expect(reordered).toBeGreaterThan(households / 2)
  })

  it('ranks better than the top-frequency list in a backtest', async () => {
    const r = await runBacktest(tdb.ctx, SETTINGS, { fromDay: T, toDay: T + 14, everyDays: 14 })
    expect(r.households.evaluated).toBeGreaterThan(100)
    expect(r.ranking['eb-renewal']!.ndcg10).toBeGreaterThan(r.ranking['p-topfreq']!.ndcg10!)
    expect(r.calibration.ece).toBeLessThan(0.03)
  })
})
