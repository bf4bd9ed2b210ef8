/**
 * Calibration of raw window probabilities (research notes §5.5, §6.7: "always fit a calibrator"):
 * isotonic regression (pool-adjacent-violators) of outcome on raw score, fitted on (score, bought
 * in window) pairs from earlier cutoffs only. The pairs are first collected into fine score bins,
 * so memory stays flat however many pairs there are, and the fit is deterministic. Between block
 * means the map is linear, so close scores keep their order. Pure.
 *
 * One map for all pairs: being monotone, it keeps the model's order, so a household's list is
 * ranked by the model and only the probabilities printed change. Maps per purchase-count × cycle
 * stratum (§5.5: "Platt scaling per frequency bucket") re-ranked items and helped while the model
 * scored rotating SKUs by the larger of the item's and the group's score; with habit units they
 * ranked worse than the model's own order (docs/prediction.md).
 */
const BINS = 2000

export interface CalibrationPool {
  readonly count: Float64Array
  readonly positives: Float64Array
  readonly scoreSum: Float64Array
}

export interface Calibrator {
  /** Block mean raw scores (increasing) and their calibrated probabilities (non-decreasing). */
  readonly xs: readonly number[]
  readonly ys: readonly number[]
  /** How many pairs the map was fitted on (0 = identity). */
  readonly fittedOn: number
}

export const IDENTITY: Calibrator = { xs: [0, 1], ys: [0, 1], fittedOn: 0 }
/** Below this many pairs an isotonic map is too noisy to trust; the raw scores are used. */
const MIN_PAIRS = 500

export function emptyPool(): CalibrationPool {
  return { count: new Float64Array(BINS), positives: new Float64Array(BINS), scoreSum: new Float64Array(BINS) }
}

export function addToPool(pool: CalibrationPool, p: number, bought: boolean): void {
  const i = Math.min(BINS - 1, Math.max(0, Math.floor(p * BINS)))
  pool.count[i]! += 1
  pool.scoreSum[i]! += p
  if (bought) pool.positives[i]! += 1
}

export function mergePools(pools: readonly CalibrationPool[]): CalibrationPool {
  const out = emptyPool()
  for (const p of pools) {
    for (let i = 0; i < BINS; i++) {
      out.count[i]! += p.count[i]!
      out.positives[i]! += p.positives[i]!
      out.scoreSum[i]! += p.scoreSum[i]!
    }
  }
  return out
}

/** The pool of the same pairs with every score halved (scores [0, 1] into [0, ½]). */
export function halved(pool: CalibrationPool): CalibrationPool {
  const out = emptyPool()
  for (let i = 0; i < BINS; i++) {
    const j = i >> 1
    out.count[j]! += pool.count[i]!
    out.positives[j]! += pool.positives[i]!
    out.scoreSum[j]! += pool.scoreSum[i]! / 2
  }
  return out
}

/** Pool-adjacent-violators over the non-empty bins, weighted by their pair counts. */
export function fitIsotonic(pool: CalibrationPool): Calibrator {
  const blocks: Array<{ w: number; y: number; x: number }> = []
  let total = 0
  for (let i = 0; i < BINS; i++) {
    const w = pool.count[i]!
    if (w === 0) continue
    total += w
    blocks.push({ w, y: pool.positives[i]! / w, x: pool.scoreSum[i]! / w })
    while (blocks.length > 1 && blocks[blocks.length - 2]!.y >= blocks[blocks.length - 1]!.y) {
      const b = blocks.pop()!
      const a = blocks.pop()!
      const w2 = a.w + b.w
      blocks.push({ w: w2, y: (a.y * a.w + b.y * b.w) / w2, x: (a.x * a.w + b.x * b.w) / w2 })
    }
  }
  if (total < MIN_PAIRS) return IDENTITY
  return { xs: blocks.map((b) => b.x), ys: blocks.map((b) => b.y), fittedOn: total }
}

export function calibrate(c: Calibrator, p: number): number {
  const { xs, ys } = c
  if (p <= xs[0]!) return ys[0]!
  const last = xs.length - 1
  if (p >= xs[last]!) return ys[last]!
  let lo = 0
  let hi = last
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (xs[mid]! <= p) lo = mid
    else hi = mid
  }
  const t = (p - xs[lo]!) / (xs[hi]! - xs[lo]!)
  return ys[lo]! + t * (ys[hi]! - ys[lo]!)
}
