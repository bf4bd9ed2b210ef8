import { type Forest, predictProbability, trainForest, type TrainingSet } from './boosted-trees.ts'
import { addToPool, type CalibrationPool, calibrate, type Calibrator, emptyPool, fitIsotonic, halved, mergePools } from './calibration.ts'
import { globalPrior } from './cycle-priors.ts'
import { byProbability, type HouseholdHistory, type ModelParams, pairVariance, type ScoredItem, scorePair, unitItemScore } from './repurchase-model.ts'

/**
 * The list ranker: the renewal model's best candidates of a household re-ordered by boosted trees
 * (boosted-trees.ts) over what the model knows of each pair (its own, its unit's and the final
 * probability, the product's cycle and repeat rate, the pair's age against its cycle, the
 * household's breadth and rhythm), trained at every as-of date on the same earlier cutoffs as the
 * calibrator and on nothing later: the GBDT re-ranker of the Instacart Kaggle solutions that the
 * research notes (§2.5, §6.8 "Next steps" 5) name for when more accuracy is needed, trained here at
 * each as-of date rather than offline. The renewal model is good at *when*; the trees learn how much to
 * trust each of its clocks for a pair like this one, which one formula cannot.
 *
 * Only the top RANKED_ITEMS of a household by the model's probability are re-ordered; the rest keep
 * the model's order below them. Trained on all of them, the trees spent themselves on the long tail
 * no list reaches (backtest: ranking the top 20 or 30 gained more than ranking every pair). Probabilities
 * come from one isotonic map over the rank score (re-ranked items above the rest), so printed
 * probabilities fall as the list goes down. Pure.
 */
export const RANKED_ITEMS = 20

export const RANKER_FEATURES = [
  'p', 'viaUnit', 'own', 'unit', 'householdItems', 'unitAgeOverCycle', 'shareOfUnit', 'productWithinSd', 'productMu',
  'pairVariance', 'productRepeatRate', 'productSd', 'unitPurchaseDays', 'unitSkus', 'tripGapDays', 'ageOverCycle',
  'historyDays', 'purchaseDays', 'gaps',
] as const
const NF = RANKER_FEATURES.length

/**
 * Rows the trees are trained on at most (households sampled by id beyond it): training time grows
 * with them, and beyond ~50,000 the lists gained little (docs/prediction.md "List ranker").
 */
const MAX_TRAINING_ROWS = 60_000

/** Below this many training rows (or positives) the trees would fit noise: the model's order stands. */
const MIN_TRAINING_ROWS = 2_000
const MIN_TRAINING_POSITIVES = 100

/** One earlier cutoff's evidence: features and outcomes of its top items, and the rest's raw scores (binned). */
export interface RankerPool {
  readonly x: number[]
  readonly y: number[]
  /** The household of each row (training samples households, not rows). */
  readonly households: number[]
  readonly rest: CalibrationPool
}

export interface ListRanker {
  /** Undefined when there was too little to train on: then lists follow the model. */
  readonly forest: Forest | undefined
  readonly calibrator: Calibrator
  /** Rows (household × item at an earlier cutoff) the trees were trained on. */
  readonly trainedOn: number
}

export interface RankedItem extends ScoredItem {
  /** Calibrated P(at least one purchase in the window). */
  readonly calibrated: number
}

export function emptyRankerPool(): RankerPool {
  return { x: [], y: [], households: [], rest: emptyPool() }
}

/** Adds one household's scored items (best first) with their outcomes to a cutoff's pool. */
export function addHousehold(pool: RankerPool, hh: HouseholdHistory, m: ModelParams, scored: readonly ScoredItem[], bought: (sku: string) => boolean): void {
  const row = new Float64Array(NF)
  scored.forEach((it, i) => {
    if (i >= RANKED_ITEMS) return addToPool(pool.rest, it.p, bought(it.sku))
    writeFeatures(hh, m, it, row)
    for (let f = 0; f < NF; f++) pool.x.push(row[f]!)
    pool.y.push(bought(it.sku) ? 1 : 0)
    pool.households.push(hh.householdId)
  })
}

/**
 * Trains the trees on the pools' top items (a sample of their households when there are more than
 * MAX_TRAINING_ROWS), then fits the calibrator on every pair's rank score.
 */
export function fitRanker(pools: readonly RankerPool[]): ListRanker {
  const rows = pools.reduce((n, p) => n + p.y.length, 0)
  const x = new Float64Array(rows * NF)
  const y = new Uint8Array(rows)
  const households = new Float64Array(rows)
  let r = 0
  for (const p of pools) {
    x.set(p.x, r * NF)
    y.set(p.y, r)
    households.set(p.households, r)
    r += p.y.length
  }
  const training = trainingRows({ x, y, rows, features: NF }, households, MAX_TRAINING_ROWS / rows)
  let positives = 0
  for (let i = 0; i < training.rows; i++) positives += training.y[i]!
  const forest = training.rows >= MIN_TRAINING_ROWS && positives >= MIN_TRAINING_POSITIVES ? trainForest(training) : undefined
  // The rest's pools hold raw scores; with trees they rank at half their raw score.
  const pool = forest ? halved(mergePools(pools.map((p) => p.rest))) : mergePools(pools.map((p) => p.rest))
  for (let i = 0; i < rows; i++) addToPool(pool, forest ? rerankedScore(forest, x, i * NF) : x[i * NF]!, y[i] === 1)
  return { forest, calibrator: fitIsotonic(pool), trainedOn: forest ? training.rows : 0 }
}

/**
 * The rows of about `rate` of the households, all of them at rate ≥ 1. The hash is not inSample's
 * golden ratio: the pools' households were already picked by that one, and a second cut by the
 * same hash would take far more than `rate` of them.
 */
function trainingRows(all: TrainingSet, households: Float64Array, rate: number): TrainingSet {
  if (rate >= 1) return all
  const keep: number[] = []
  for (let i = 0; i < all.rows; i++) if ((households[i]! * 0.7548776662466927) % 1 < rate) keep.push(i)
  const x = new Float64Array(keep.length * NF)
  const y = new Uint8Array(keep.length)
  keep.forEach((row, j) => {
    x.set(all.x.subarray(row * NF, (row + 1) * NF), j * NF)
    y[j] = all.y[row]!
  })
  return { x, y, rows: keep.length, features: NF }
}

/** A household's scored items (best raw score first) ranked and calibrated for its list. */
export function rankHousehold(ranker: ListRanker, hh: HouseholdHistory, m: ModelParams, scored: readonly ScoredItem[]): RankedItem[] {
  const row = new Float64Array(NF)
  const { forest } = ranker
  const out = scored.map((it, i) => {
    if (!forest) return { it, s: it.p }
    if (i >= RANKED_ITEMS) return { it, s: it.p / 2 }
    writeFeatures(hh, m, it, row)
    return { it, s: rerankedScore(forest, row, 0) }
  })
  out.sort((a, b) => b.s - a.s || byProbability(a.it, b.it))
  return out.map(({ it, s }) => ({ ...it, calibrated: calibrate(ranker.calibrator, s) }))
}

/**
 * The rank score the calibrator maps to a probability: with trees, a re-ranked item's lies in
 * [½, 1] and the rest's at half their raw score, below; without trees, the raw score itself (a
 * calibrator fitted on too few pairs is the identity and prints the raw probability; with trees there
 * are always enough pairs: MIN_TRAINING_ROWS > calibration's MIN_PAIRS).
 */
function rerankedScore(forest: Forest, x: ArrayLike<number>, offset: number): number {
  return 0.5 + predictProbability(forest, x, offset) / 2
}

/** The pair's features in RANKER_FEATURES order (the same scores scoreHousehold mixed, taken apart). */
function writeFeatures(hh: HouseholdHistory, m: ModelParams, it: ScoredItem, out: Float64Array): void {
  const s = it.stats
  const t = m.asOfDay
  const prior = m.items.priors.get(s.sku) ?? globalPrior(m.items.hyper)
  const own = scorePair(s, prior, m.items.hyper, t, m.horizonDays, hh.lastTripDay)
  const unit = s.unit < 0 ? undefined : hh.units[s.unit]
  const groupPrior = unit && m.groups.priors.get(unit.group)
  const viaGroup = unit && groupPrior ? scorePair(unit, groupPrior, m.groups.hyper, t, m.horizonDays, hh.lastTripDay) : undefined
  const viaUnit = unit && viaGroup ? unitItemScore(s, viaGroup, unit, m.horizonDays) : undefined
  out[0] = it.p
  out[1] = viaUnit?.p ?? -1
  out[2] = own.p
  out[3] = viaGroup?.p ?? -1
  out[4] = hh.items.length
  out[5] = (unit ? t - unit.lastDay : -1) / Math.max(viaGroup?.cycleDays ?? 0, 1)
  out[6] = s.k / Math.max(unit?.purchaseDays ?? 0, 1)
  out[7] = prior.sw
  out[8] = prior.mu
  out[9] = pairVariance(s, prior, m.items.hyper.beta)
  out[10] = prior.rcp
  out[11] = prior.s
  out[12] = unit?.purchaseDays ?? 0
  out[13] = unit?.skus ?? 0
  out[14] = (7 * hh.trips.tx) / Math.max(hh.trips.x, 1)
  out[15] = (t - s.lastDay) / Math.max(own.cycleDays, 1)
  out[16] = t - s.firstDay
  out[17] = s.k
  out[18] = s.n
}
