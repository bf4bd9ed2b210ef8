import { type CyclePrior, globalPrior, type Hyper } from './cycle-priors.ts'
import { type GateParams, pAlive, type TripSummary } from './household-gate.ts'
import { logNormalCdf, normInv } from './stats-math.ts'

/**
 * EB-Renewal (research notes §0.4, §4, §6.4): a log-normal renewal model of the gaps between a
 * household's purchase days of an item, the pair's cycle shrunk towards the item's population cycle
 * (empirical Bayes), the open spell since the last purchase treated as right-censored, a lapse
 * probability ("still buying this?") seeded by the item's repeat-customer rate, and a household
 * gate (MBG/NBD P(alive)). SKUs a household takes turns with for one need (a habit unit,
 * habit-units.ts) are also scored through the unit: its window probability times the item's share
 * of its purchases (the PCIC structure, §2.5). Pure: no database, no clock; days are integer UTC
 * day numbers.
 */

/**
 * Sufficient statistics of one (household, item or group) pair from its purchase days before T:
 * additive sums over the gaps g between consecutive purchase days and the quantity q bought at
 * the start of each gap (research notes §6.2, plus the quantity terms of §4).
 */
export interface PairStats {
  /** Purchase days (several lines on one day count once). */
  readonly k: number
  readonly firstDay: number
  readonly lastDay: number
  /** Quantity bought on the last purchase day (multi-unit purchases stretch the next gap). */
  readonly lastQty: number
  /** Gaps (k − 1), Σ ln g, Σ (ln g)², Σ ln q, Σ (ln q)², Σ ln q·ln g. */
  readonly n: number
  readonly sg: number
  readonly sgg: number
  readonly sq: number
  readonly sqq: number
  readonly sqg: number
  /** Σ 2^(−age/28 d) over purchase days: recency-weighted purchase count. */
  readonly decay: number
  /** Purchase days in the last window [T − W, T). */
  readonly recent: number
}

export interface ItemStats extends PairStats {
  readonly sku: string
  readonly group: string | null
  /** Index of the item's habit unit in HouseholdHistory.units (−1: the item has no group). */
  readonly unit: number
}

/** The SKUs of one group a household takes turns with for one need (habit-units.ts), as one pair. */
export interface HabitUnit extends PairStats {
  readonly group: string
  /** SKUs in the unit. */
  readonly skus: number
  /** Σ of their purchase days. */
  readonly purchaseDays: number
}

export interface HouseholdHistory {
  readonly householdId: number
  readonly trips: TripSummary
  /** The household's last shopping day before T. */
  readonly lastTripDay: number
  readonly items: readonly ItemStats[]
  /** The household's habit units; the population's group priors are fitted on them. */
  readonly units: readonly HabitUnit[]
}

export interface LevelModel {
  readonly hyper: Hyper
  readonly priors: ReadonlyMap<string, CyclePrior>
}

export interface ModelParams {
  readonly asOfDay: number
  readonly horizonDays: number
  readonly items: LevelModel
  readonly groups: LevelModel
  readonly gate: GateParams
  /** Households whose P(alive) is below this are not predicted at all (they fell off). */
  readonly aliveFloor: number
}

export interface PairScore {
  /** P(at least one purchase in [T, T + W)). */
  readonly p: number
  /** Median gap in days for this pair (quantity-adjusted to the last purchase). */
  readonly cycleDays: number
  /** Conditional median day of the next purchase, given none before T. */
  readonly nextDay: number
}

export interface ScoredItem extends PairScore {
  readonly sku: string
  readonly lastDay: number
  /** The pair's statistics (the list ranker's features are read from them). */
  readonly stats: ItemStats
}

/** Lapse prior strength: the repeat-customer rate counts as two pseudo-purchases (§6.4). */
const LAPSE_PRIOR = 2

/** Pseudo-gaps of the product's within-pair variance in a pair's own variance estimate. */
const VARIANCE_PRIOR_GAPS = 4

/**
 * The pair's own log-gap variance, shrunk towards its product's within-pair variance (a
 * normal–inverse-gamma posterior mean): a household that buys like clockwork gets a sharp hazard
 * even for a product others buy erratically.
 */
export function pairVariance(s: PairStats, prior: CyclePrior, beta: number): number {
  if (s.n < 2) return prior.sw * prior.sw
  const sy = s.sg - beta * s.sq
  const syy = s.sgg - 2 * beta * s.sqg + beta * beta * s.sqq
  const ss = Math.max(syy - (sy * sy) / s.n, 0)
  return (ss + VARIANCE_PRIOR_GAPS * prior.sw * prior.sw) / (s.n - 1 + VARIANCE_PRIOR_GAPS)
}

/**
 * Window probability and next-purchase date of one pair under the renewal model with lapse.
 * `lastTripDay` is the household's last shopping day: the evidence that a household stopped
 * buying an item is the trips it made without buying it, so the lapse posterior uses the open
 * spell up to that trip, not up to T — a household away on holiday has not dropped its milk.
 */
export function scorePair(s: PairStats, prior: CyclePrior, h: Hyper, asOfDay: number, w: number, lastTripDay = asOfDay - 1): PairScore {
  const sy = s.sg - h.beta * s.sq
  const mu0 = s.n === 0 ? prior.mu : (sy + h.kappa * prior.mu) / (s.n + h.kappa)
  const sd = s.n === 0 ? prior.s : Math.sqrt(pairVariance(s, prior, h.beta) * (1 + 1 / (s.n + h.kappa)))
  const mu = mu0 + h.beta * Math.log(s.lastQty > 0 ? s.lastQty : 1)
  const pi = (LAPSE_PRIOR * prior.rcp + s.k - 1) / (LAPSE_PRIOR + s.k - 1)
  const age = asOfDay - s.lastDay
  // Discrete days: the open spell has lasted at least age − ½ days (§4 "Discrete days").
  const f0 = logNormalCdf(age - 0.5, mu, sd)
  const f1 = logNormalCdf(age + w - 0.5, mu, sd)
  const seen = logNormalCdf(Math.max(lastTripDay, s.lastDay) - s.lastDay + 0.5, mu, sd)
  const alive = (pi * (1 - seen)) / (pi * (1 - seen) + 1 - pi)
  const p = f0 >= 1 ? 0 : (alive * (f1 - f0)) / (1 - f0)
  const medianGap = Math.exp(mu + sd * normInv(f0 + 0.5 * (1 - f0)))
  const nextDay = Math.max(asOfDay, s.lastDay + Math.round(medianGap))
  return { p: clamp01(p), cycleDays: Math.exp(mu), nextDay }
}

/**
 * P(item) from its habit unit: P(unit bought in window) × P(item on at least one of the unit's
 * purchase days in the window). The item's share of the unit's purchases is its purchase days over
 * theirs, with SHARE_PRIOR purchases of prior for each SKU: a household picks among its SKUs about
 * evenly (the seed's do; a real one's brand choice follows shelf price), so a SKU that came up
 * less often so far is not much less likely next time. The share counts the whole lookback: a
 * recency-weighted share (tried first) mostly measured which SKU came up last. Given one unit
 * purchase in the window, half the window on average remains, holding W / (2 × cycle) more.
 */
export function unitItemScore(item: PairStats, g: PairScore, unit: HabitUnit, w: number): PairScore {
  const share = (item.k + SHARE_PRIOR) / (unit.purchaseDays + SHARE_PRIOR * unit.skus)
  const trips = 1 + w / (2 * Math.max(g.cycleDays, 1))
  const p = g.p * (1 - (1 - Math.min(share, 1)) ** trips)
  return { ...g, p: clamp01(p) }
}

/** Pseudo-purchases per SKU in an item's share of its unit (docs/prediction.md "Habit units"). */
const SHARE_PRIOR = 6

/** Weight of an item's own renewal score against its habit unit's, for an item in a unit of several SKUs. */
const ITEM_WEIGHT = 0.5

/** Scores every item of a household; undefined when the household has lapsed (falls off the list). */
export function scoreHousehold(hh: HouseholdHistory, m: ModelParams): ScoredItem[] | undefined {
  const alive = pAlive(m.gate, hh.trips)
  if (alive < m.aliveFloor) return undefined
  const out: ScoredItem[] = []
  // A unit's window probability, once per unit (null: its group has no population prior).
  const unitScores: Array<PairScore | null> = []
  for (const it of hh.items) {
    // An item the population fit has not seen (e.g. a history scored against another run's fit).
    const prior = m.items.priors.get(it.sku) ?? globalPrior(m.items.hyper)
    let score = scorePair(it, prior, m.items.hyper, m.asOfDay, m.horizonDays, hh.lastTripDay)
    const unit = it.unit < 0 ? undefined : hh.units[it.unit]
    let g = unit && unit.skus >= 2 ? unitScores[it.unit] : undefined
    if (unit && unit.skus >= 2 && g === undefined) g = unitScores[it.unit] = scoreUnit(unit, m, hh.lastTripDay)
    if (unit && g) {
      const viaUnit = unitItemScore(it, g, unit, m.horizonDays)
      // Each clock knows something the other does not: the unit's when the need comes round, the
      // item's own how this SKU fares in the rotation. Their mean ranked better than either, or
      // than the larger of the two (docs/prediction.md "Habit units"); dates follow the likelier.
      const clock = viaUnit.p > score.p ? viaUnit : score
      score = { ...clock, p: ITEM_WEIGHT * score.p + (1 - ITEM_WEIGHT) * viaUnit.p }
    }
    out.push({ sku: it.sku, lastDay: it.lastDay, stats: it, p: score.p * alive, cycleDays: score.cycleDays, nextDay: score.nextDay })
  }
  return out.sort(byProbability)
}

function scoreUnit(unit: HabitUnit, m: ModelParams, lastTripDay: number): PairScore | null {
  const prior = m.groups.priors.get(unit.group)
  return prior ? scorePair(unit, prior, m.groups.hyper, m.asOfDay, m.horizonDays, lastTripDay) : null
}

/** Best first; ties by most recent purchase, then SKU, so lists are deterministic. */
export function byProbability(a: ScoredItem, b: ScoredItem): number {
  return b.p - a.p || b.lastDay - a.lastDay || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(Math.max(x, 0), 1) : 0
}
