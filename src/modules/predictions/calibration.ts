/**
 * Calibration of raw window probabilities (research notes §5.5, §6.7: "always fit a calibrator"):
 * isotonic regression (pool-adjacent-violators) of outcome on raw score, fitted on (score, bought
 * in window) pairs from earlier cutoffs only. The pairs are first collected into fine score bins,
 * so memory stays flat however many pairs there are, and the fit is deterministic. Between block
 * means the map is linear, so close scores keep their order. Pure.
 *
 * One map per stratum of purchase count × cycle length (§5.5: "Platt scaling per frequency
 * bucket", here isotonic): the renewal model is least right where it knows least — a pair bought
 * once or twice borrows its product's cycle and repeat rate, and many such pairs were impulse
 * buys — so the same raw score means less there; and how sharply a cycle comes due differs
 * between weekly and monthly items. Ranking by the stratified calibrated probability uses that.
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

/** Purchase-count strata: upper bounds of k for each stratum (the last one is open). */
export const K_STRATA = [1, 2, 3, 5, 7, 9, 12, 16, 22, 30] as const
/** Cycle strata: upper bounds of the pair's median gap in days. */
export const CYCLE_STRATA = [7, 14, 28] as const
const STRATA = (K_STRATA.length + 1) * (CYCLE_STRATA.length + 1)

function bucket(x: number, bounds: readonly number[]): number {
  const i = bounds.findIndex((max) => x <= max)
  return i === -1 ? bounds.length : i
}

export function stratumOf(k: number, cycleDays: number): number {
  return bucket(k, K_STRATA) * (CYCLE_STRATA.length + 1) + bucket(cycleDays, CYCLE_STRATA)
}

export type StratifiedPool = CalibrationPool[]

export function emptyStratifiedPool(): StratifiedPool {
  return Array.from({ length: STRATA }, () => emptyPool())
}

export interface StratifiedCalibrator {
  readonly maps: readonly Calibrator[]
}

/** A stratum with too few pairs uses the map fitted on all strata together. */
export function fitStratified(pools: readonly StratifiedPool[]): StratifiedCalibrator {
  const strata = Array.from({ length: STRATA }, (_, i) => mergePools(pools.map((p) => p[i]!)))
  const all = fitIsotonic(mergePools(strata))
  return { maps: strata.map((p) => { const c = fitIsotonic(p); return c.fittedOn > 0 ? c : all }) }
}

export function calibrateStratified(c: StratifiedCalibrator, p: number, k: number, cycleDays: number): number {
  return calibrate(c.maps[stratumOf(k, cycleDays)]!, p)
}
