import { normCdf, normPdf } from './stats-math.ts'

/**
 * Population cycles (research notes §4 and §6.3): from per-level aggregates of the per-pair
 * sufficient statistics, fit the global hyper-parameters (quantity elasticity β, within-pair
 * variance σ_w², between-pair variance τ², shrinkage κ = σ_w²/τ²) and, per product or product
 * group, a censoring-aware log-normal cycle shrunk towards its parent (group, then global).
 * Log-gaps are quantity-adjusted: y = ln(gap) − β·ln(quantity bought at the gap's start).
 */

/** Sums over the pairs of one product (or one group), as the repository's GROUP BY returns them. */
export interface LevelAggregate {
  readonly key: string
  /** The product's group (products level) or null (groups level: the parent is the global prior). */
  readonly parent: string | null
  readonly pairs: number
  readonly repeatPairs: number
  /** Σk over pairs with k ≥ 2 (the mean k of repeat buyers sets the lapse weight of open spells). */
  readonly sumKRepeat: number
  readonly n: number
  readonly sy: number
  readonly syy: number
  /** Pairs with at least one gap, Σȳ and Σȳ² over them, Σ1/n: moments for τ². */
  readonly gapPairs: number
  readonly sumYbar: number
  readonly sumYbar2: number
  readonly sumInvN: number
  /** Σ(syy − sy²/n) and Σ(n − 1) over pairs with n ≥ 2: within-pair variance. */
  readonly within: number
  readonly withinDf: number
}

/** Open spells of repeat buyers, as [log-age bin centre (quantity-adjusted), count]. */
export type CensoredSpells = ReadonlyArray<readonly [number, number]>

export interface Hyper {
  readonly beta: number
  readonly s2w: number
  readonly tau2: number
  readonly kappa: number
  readonly globalMu: number
  readonly globalS: number
  readonly globalRcp: number
}

export interface CyclePrior {
  /** Log-mean and log-sd of the quantity-adjusted gap of a new pair. */
  readonly mu: number
  readonly s: number
  /** Within-pair log-sd of this product, shrunk towards the global one. */
  readonly sw: number
  /** Smoothed repeat-customer probability (Bhagat's RCP). */
  readonly rcp: number
}

/** Pseudo-observations for shrinking a level towards its parent (research notes §6.3: m₀ = 5). */
const M0 = 5
const RCP_PSEUDO = 10
const WITHIN_PSEUDO = 10
const MIN_VAR = 0.04
const EM_ITERS = 25
/** Fallback when there is no repeat data at all: a 14-day cycle with a wide spread. */
const FALLBACK_MU = Math.log(14)

export function fitHyper(aggs: readonly LevelAggregate[], beta: number): Hyper {
  let n = 0, sy = 0, syy = 0, pairs = 0, rep = 0, within = 0, df = 0, gp = 0, invN = 0
  for (const a of aggs) {
    n += a.n; sy += a.sy; syy += a.syy; pairs += a.pairs; rep += a.repeatPairs
    within += a.within; df += a.withinDf; gp += a.gapPairs; invN += a.sumInvN
  }
  const globalMu = n > 0 ? sy / n : FALLBACK_MU
  const globalVar = n > 1 ? Math.max(syy / n - globalMu * globalMu, MIN_VAR) : 1
  const s2w = df > 0 ? Math.max(within / df, MIN_VAR / 4) : globalVar / 2
  // Between-pair variance around each product's own mean (not the global one, which would
  // count between-product spread as between-household spread and under-shrink).
  let dev = 0
  for (const a of aggs) {
    if (a.gapPairs === 0 || a.n === 0) continue
    const m = a.sy / a.n
    dev += a.sumYbar2 - 2 * m * a.sumYbar + a.gapPairs * m * m
  }
  const tau2 = gp > 0 ? Math.max(dev / gp - (s2w * invN) / gp, 0.02) : 0.25
  return { beta, s2w, tau2, kappa: s2w / tau2, globalMu, globalS: Math.sqrt(globalVar), globalRcp: pairs > 0 ? rep / pairs : 0.3 }
}

/** Adds product aggregates up to their groups, so a product can be shrunk towards its group. */
export function sumByParent(aggs: readonly LevelAggregate[]): LevelAggregate[] {
  const out = new Map<string, LevelAggregate>()
  for (const a of aggs) {
    if (a.parent === null) continue
    const p = out.get(a.parent)
    out.set(a.parent, p ? addAggregates(p, a) : { ...a, key: a.parent, parent: null })
  }
  return [...out.values()]
}

function addAggregates(x: LevelAggregate, y: LevelAggregate): LevelAggregate {
  return {
    key: x.key, parent: x.parent,
    pairs: x.pairs + y.pairs, repeatPairs: x.repeatPairs + y.repeatPairs, sumKRepeat: x.sumKRepeat + y.sumKRepeat,
    n: x.n + y.n, sy: x.sy + y.sy, syy: x.syy + y.syy,
    gapPairs: x.gapPairs + y.gapPairs, sumYbar: x.sumYbar + y.sumYbar, sumYbar2: x.sumYbar2 + y.sumYbar2, sumInvN: x.sumInvN + y.sumInvN,
    within: x.within + y.within, withinDf: x.withinDf + y.withinDf,
  }
}

/** Uncensored shrinkage of one level towards a parent prior. */
export function shrinkTo(a: LevelAggregate, parent: CyclePrior, h: Hyper): CyclePrior {
  const mu = (a.sy + M0 * parent.mu) / (a.n + M0)
  const ss = a.syy - 2 * mu * a.sy + a.n * mu * mu + M0 * (parent.s * parent.s + (parent.mu - mu) ** 2)
  const s = Math.sqrt(Math.max(ss / (a.n + M0), MIN_VAR))
  const rcp = (a.repeatPairs + RCP_PSEUDO * parent.rcp) / (a.pairs + RCP_PSEUDO)
  const sw = Math.sqrt((a.within + WITHIN_PSEUDO * h.s2w) / (a.withinDf + WITHIN_PSEUDO))
  return { mu, s, sw, rcp }
}

export function globalPrior(h: Hyper): CyclePrior {
  return { mu: h.globalMu, s: h.globalS, sw: Math.sqrt(h.s2w), rcp: h.globalRcp }
}

/**
 * Censoring-aware cycle of one product (research notes §4 "Censoring", §6.6): EM for a normal on
 * log-gaps where the open spells of repeat buyers are right-censored observations. An open spell
 * may also belong to a buyer who stopped buying the product, so each one counts only with the
 * posterior probability that its buyer is still buying (the lapse mixture of §4). The parent prior
 * enters as m₀ pseudo-observations, which keeps sparse products stable.
 */
export function censoredCycle(a: LevelAggregate, cens: CensoredSpells, start: CyclePrior, parent: CyclePrior): CyclePrior {
  if (cens.length === 0) return start
  const kBar = a.repeatPairs > 0 ? a.sumKRepeat / a.repeatPairs : 2
  const pi = (2 * start.rcp + kBar - 1) / (2 + kBar - 1)
  let mu = start.mu
  let s = Math.max(start.s, 0.2)
  for (let it = 0; it < EM_ITERS; it++) {
    let e1 = a.sy + M0 * parent.mu
    let e2 = a.syy + M0 * (parent.mu * parent.mu + parent.s * parent.s)
    let w = a.n + M0
    for (const [c, count] of cens) {
      const z = (c - mu) / s
      const surv = Math.max(1 - normCdf(z), 1e-12)
      const alive = (pi * surv) / (pi * surv + 1 - pi)
      const lam = normPdf(z) / surv
      e1 += alive * count * (mu + s * lam)
      e2 += alive * count * (mu * mu + s * s + s * (c + mu) * lam)
      w += alive * count
    }
    mu = e1 / w
    s = Math.sqrt(Math.max(e2 / w - mu * mu, MIN_VAR))
  }
  return { ...start, mu, s }
}

/** Priors for every key of one level: global → parent group (uncensored) → key (censored EM). */
export function fitLevelPriors(
  aggs: readonly LevelAggregate[],
  cens: ReadonlyMap<string, CensoredSpells>,
  h: Hyper,
): Map<string, CyclePrior> {
  const global = globalPrior(h)
  const parents = new Map(sumByParent(aggs).map((p) => [p.key, shrinkTo(p, global, h)]))
  const out = new Map<string, CyclePrior>()
  for (const a of aggs) {
    const parent = (a.parent !== null ? parents.get(a.parent) : undefined) ?? global
    const start = shrinkTo(a, parent, h)
    out.set(a.key, censoredCycle(a, cens.get(a.key) ?? [], start, parent))
  }
  return out
}
