import { describe, expect, it } from 'vitest'
import { decayedFrequency, lastWindow, pTopFreq } from '../../src/modules/predictions/baselines.ts'
import { addToPool, emptyPool } from '../../src/modules/predictions/calibration.ts'
import {
  bootstrapDiff, hitsAt, ndcgAt, precisionAt, ProbabilityScore, RankingAverage, rankingRow, recallAt, reliability, reliabilityByWidth,
} from '../../src/modules/predictions/metrics.ts'
import type { ItemStats } from '../../src/modules/predictions/repurchase-model.ts'

const list = ['a', 'b', 'c', 'd']
const truth = new Set(['b', 'd', 'e'])

describe('ranking metrics against hand-computed values', () => {
  it('recall, precision and hits', () => {
    expect(hitsAt(list, truth, 2)).toBe(1)
    expect(recallAt(list, truth, 2)).toBeCloseTo(1 / 3, 12)
    expect(recallAt(list, truth, 4)).toBeCloseTo(2 / 3, 12)
    expect(precisionAt(list, truth, 2)).toBeCloseTo(1 / 2, 12)
    // a list shorter than K still has K slots
    expect(precisionAt(list, truth, 10)).toBeCloseTo(2 / 10, 12)
  })

  it('NDCG with the ideal DCG over min(|truth|, K) positions', () => {
    // DCG@3 = 1/log2(3) (b at rank 2); IDCG@3 = 1 + 1/log2(3) + 1/2
    expect(ndcgAt(list, truth, 3)).toBeCloseTo(0.63093 / 2.13093, 4)
    // IDCG@2 = 1 + 1/log2(3): two relevant positions only
    expect(ndcgAt(list, truth, 2)).toBeCloseTo(0.63093 / 1.63093, 4)
    // DCG@4 adds d at rank 4: 1/log2(5) = 0.43068
    expect(ndcgAt(list, truth, 4)).toBeCloseTo((0.63093 + 0.43068) / 2.13093, 4)
    expect(ndcgAt(['e', 'b', 'd'], truth, 10)).toBeCloseTo(1, 12)
    expect(ndcgAt(list, new Set(), 10)).toBe(0)
  })

  it('splits recall into repeat and new items', () => {
    const row = rankingRow(list, truth, new Set(['a', 'b', 'c', 'd']))
    // repeat truth {b, d}: both in the top 10; new truth {e}: never listed
    expect(row.recallRepeat10).toBe(1)
    expect(row.recallNew10).toBe(0)
    expect(row.hit10).toBe(1)
    expect(rankingRow(list, new Set(['b']), new Set(['b'])).recallNew10).toBeUndefined()
  })

  it('macro-averages each metric over the households where it is defined', () => {
    const avg = new RankingAverage()
    avg.add(rankingRow(['x'], new Set(['x']), new Set(['x'])))
    avg.add(rankingRow(['y'], new Set(['z']), new Set(['y'])))
    const r = avg.result()
    expect(r.recall10).toBeCloseTo(0.5, 12)
    expect(r.precision10).toBeCloseTo(0.05, 12)
    expect(r.recallRepeat10).toBe(1) // only the first household had repeat truth
    expect(r.recallNew10).toBe(0) // only the second had new truth
  })
})

describe('probability scores', () => {
  it('Brier score and log-loss', () => {
    const s = new ProbabilityScore()
    s.add(0.2, false)
    s.add(0.9, true)
    expect(s.result().brier).toBeCloseTo((0.04 + 0.01) / 2, 12)
    expect(s.result().logLoss).toBeCloseTo((-Math.log(0.8) - Math.log(0.9)) / 2, 12)
  })

  it('reliability table with equal-count bins and ECE', () => {
    const pool = emptyPool()
    // 4 pairs at 0.1 (1 bought), 4 pairs at 0.8 (2 bought)
    for (let i = 0; i < 4; i++) addToPool(pool, 0.1, i === 0)
    for (let i = 0; i < 4; i++) addToPool(pool, 0.8, i < 2)
    const { table, ece } = reliability(pool, 2)
    expect(table).toHaveLength(2)
    expect(table[0]!.meanPredicted).toBeCloseTo(0.1, 12)
    expect(table[0]!.observedRate).toBeCloseTo(0.25, 12)
    expect(table[1]!.observedRate).toBeCloseTo(0.5, 12)
    // ECE = 0.5·|0.1 − 0.25| + 0.5·|0.8 − 0.5| = 0.075 + 0.15
    expect(ece).toBeCloseTo(0.225, 12)
  })
})

describe('bootstrap of differences', () => {
  it('pools the mean over households and brackets it', () => {
    const clusters = [
      { sum: 0.2, units: 2 },
      { sum: 0.0, units: 1 },
      { sum: 0.3, units: 1 },
      { sum: 0.1, units: 2 },
    ]
    const r = bootstrapDiff(clusters, 2000, 5)
    expect(r.mean).toBeCloseTo(0.6 / 6, 12)
    expect(r.lo).toBeLessThanOrEqual(r.mean)
    expect(r.hi).toBeGreaterThanOrEqual(r.mean)
    expect(r.lo).toBeGreaterThanOrEqual(0)
    expect(bootstrapDiff(clusters, 2000, 5)).toEqual(r)
  })

  it('gives a zero-width interval when every household has the same difference', () => {
    const r = bootstrapDiff([{ sum: 0.1, units: 1 }, { sum: 0.2, units: 2 }, { sum: 0.3, units: 3 }], 500, 1)
    expect(r.lo).toBeCloseTo(0.1, 12)
    expect(r.hi).toBeCloseTo(0.1, 12)
  })
})

describe('baselines', () => {
  const item = (sku: string, k: number, lastDay: number, decay: number, recent: number): ItemStats => ({
    sku, group: null, unit: -1, k, firstDay: 0, lastDay, lastQty: 1, n: k - 1, sg: 0, sgg: 0, sq: 0, sqq: 0, sqg: 0, decay, recent,
  })
  const items = [item('a', 3, 90, 0.5, 0), item('b', 5, 80, 0.2, 0), item('c', 3, 95, 0.9, 2), item('d', 1, 99, 0.9, 1)]

  it('P-TopFreq ranks by purchase days, ties by recency', () => {
    expect(pTopFreq(items)).toEqual(['b', 'c', 'a', 'd'])
  })

  it('decayed frequency ranks by recency-weighted count', () => {
    expect(decayedFrequency(items)).toEqual(['d', 'c', 'a', 'b'])
  })

  it('last window lists only what was bought in the last window', () => {
    expect(lastWindow(items)).toEqual(['c', 'd'])
  })
})

describe('equal-width reliability', () => {
  it('bins by probability and weighs the ECE by pairs', () => {
    const pool = emptyPool()
    for (let i = 0; i < 10; i++) addToPool(pool, 0.05, i < 1) // bin [0, 0.1): 10 pairs, 1 bought
    for (let i = 0; i < 10; i++) addToPool(pool, 0.35, i < 2) // bin [0.3, 0.4): 10 pairs, 2 bought
    const { table, ece } = reliabilityByWidth(pool, 10)
    expect(table.map((b) => b.pairs)).toEqual([10, 10])
    expect(table[1]!.meanPredicted).toBeCloseTo(0.35, 12)
    expect(table[1]!.observedRate).toBeCloseTo(0.2, 12)
    // 0.5·|0.05 − 0.1| + 0.5·|0.35 − 0.2|
    expect(ece).toBeCloseTo(0.025 + 0.075, 12)
  })
})
