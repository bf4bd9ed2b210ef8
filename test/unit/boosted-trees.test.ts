import { describe, expect, it } from 'vitest'
import { predictProbability, trainForest, type TrainingSet } from '../../src/modules/predictions/boosted-trees.ts'
import { prng } from '../../src/modules/predictions/metrics.ts'

/**
 * Rows whose outcome depends on an interaction no single threshold captures: P(y) is 0.8 when
 * exactly one of x₀, x₁ is above ½ and 0.2 otherwise; x₂ is noise.
 */
function xorData(rows: number, seed: number): TrainingSet {
  const rnd = prng(seed)
  const x = new Float64Array(rows * 3)
  const y = new Uint8Array(rows)
  for (let i = 0; i < rows; i++) {
    const a = rnd(), b = rnd()
    x.set([a, b, rnd()], i * 3)
    y[i] = rnd() < ((a > 0.5) !== (b > 0.5) ? 0.8 : 0.2) ? 1 : 0
  }
  return { x, y, rows, features: 3 }
}

function logLoss(forest: ReturnType<typeof trainForest>, d: TrainingSet): number {
  let s = 0
  for (let i = 0; i < d.rows; i++) {
    const p = predictProbability(forest, d.x, i * d.features)
    s -= d.y[i] ? Math.log(p) : Math.log(1 - p)
  }
  return s / d.rows
}

describe('boosted trees', () => {
  it('learns an interaction between two features from noisy outcomes', () => {
    const forest = trainForest(xorData(8_000, 1))
    // Quadrant centres, noise feature anywhere.
    expect(predictProbability(forest, [0.25, 0.75, 0.1])).toBeGreaterThan(0.7)
    expect(predictProbability(forest, [0.75, 0.25, 0.9])).toBeGreaterThan(0.7)
    expect(predictProbability(forest, [0.25, 0.25, 0.5])).toBeLessThan(0.3)
    expect(predictProbability(forest, [0.75, 0.75, 0.5])).toBeLessThan(0.3)
    // On fresh rows it beats the base rate's log-loss (ln 2 at 50 %) by a wide margin.
    expect(logLoss(forest, xorData(4_000, 2))).toBeLessThan(0.56)
  })

  it('is a deterministic function of its rows', () => {
    const a = trainForest(xorData(3_000, 3))
    const b = trainForest(xorData(3_000, 3))
    const probe = xorData(50, 4)
    for (let i = 0; i < probe.rows; i++) expect(predictProbability(a, probe.x, i * 3)).toBe(predictProbability(b, probe.x, i * 3))
  })

  it('keeps leaves above the minimum size: too few rows give the base rate', () => {
    const d = xorData(150, 5)
    const forest = trainForest(d, { rounds: 5, leaves: 15, learningRate: 0.1, minLeafRows: 100, lambda: 1, bins: 63 })
    let positives = 0
    for (let i = 0; i < d.rows; i++) positives += d.y[i]!
    const rate = positives / d.rows
    expect(predictProbability(forest, [0.25, 0.75, 0])).toBeCloseTo(predictProbability(forest, [0.75, 0.75, 0]), 12)
    expect(Math.abs(predictProbability(forest, [0.5, 0.5, 0.5]) - rate)).toBeLessThan(0.05)
  })
})
