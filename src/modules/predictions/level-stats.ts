import type { CensoredSpells, LevelAggregate } from './cycle-priors.ts'
import type { PairStats } from './repurchase-model.ts'

/**
 * Per-product (or per-group) sums over all pairs at one cutoff, accumulated while households
 * stream past, so only one row per product is ever held. The quantity elasticity β is not known
 * until every pair has been seen, so the sums are kept in raw (ln g, ln q) form and converted to
 * quantity-adjusted log-gaps y = ln g − β ln q afterwards (all the needed cross terms are kept).
 */
export interface RawAggregate {
  readonly key: string
  readonly parent: string | null
  pairs: number
  repeatPairs: number
  sumKRepeat: number
  n: number; sg: number; sgg: number; sq: number; sqq: number; sqg: number
  gapPairs: number; invN: number
  /** Σ sg/n, Σ sq/n, Σ sg²/n², Σ sg·sq/n², Σ sq²/n² over pairs with a gap (for τ²). */
  mg: number; mq: number; mgg: number; mgq: number; mqq: number
  /** Within-pair centred sums over pairs with n ≥ 2 (for σ_w² and β). */
  wgg: number; wqg: number; wqq: number; withinDf: number
  /** The same cross terms for β, each pair weighted by the inverse of its own log-gap variance. */
  bqg: number; bqq: number
  /** Open spells of repeat buyers by 0.1-wide bin of ln(age − ½): count and Σ ln(last quantity). */
  readonly censCount: Float64Array
  readonly censLnQ: Float64Array
}

const BIN = 0.1
/** ln(age) bins from ln 0.5 (bin −7) to ln 3000 (bin 80): every open spell within 8 years. */
const CENS_MIN_BIN = -7
const CENS_BINS = 88
/** Ridge on β: with few multi-unit purchases the estimate stays near 0 instead of jumping. */
const BETA_RIDGE = 10

export function addPair(acc: Map<string, RawAggregate>, key: string, parent: string | null, p: PairStats, asOfDay: number): void {
  let a = acc.get(key)
  if (!a) {
    a = {
      key, parent, pairs: 0, repeatPairs: 0, sumKRepeat: 0, n: 0, sg: 0, sgg: 0, sq: 0, sqq: 0, sqg: 0,
      gapPairs: 0, invN: 0, mg: 0, mq: 0, mgg: 0, mgq: 0, mqq: 0, wgg: 0, wqg: 0, wqq: 0, withinDf: 0, bqg: 0, bqq: 0,
      censCount: new Float64Array(CENS_BINS), censLnQ: new Float64Array(CENS_BINS),
    }
    acc.set(key, a)
  }
  a.pairs += 1
  a.n += p.n; a.sg += p.sg; a.sgg += p.sgg; a.sq += p.sq; a.sqq += p.sqq; a.sqg += p.sqg
  if (p.n >= 1) {
    a.gapPairs += 1
    a.invN += 1 / p.n
    a.mg += p.sg / p.n; a.mq += p.sq / p.n
    const n2 = p.n * p.n
    a.mgg += (p.sg * p.sg) / n2; a.mgq += (p.sg * p.sq) / n2; a.mqq += (p.sq * p.sq) / n2
  }
  if (p.n >= 2) {
    const gg = p.sgg - (p.sg * p.sg) / p.n
    const qg = p.sqg - (p.sq * p.sg) / p.n
    const qq = p.sqq - (p.sq * p.sq) / p.n
    a.wgg += gg
    a.wqg += qg
    a.wqq += qq
    a.withinDf += p.n - 1
    // Weighted least squares: regular pairs (habits) say more about how quantity stretches a gap
    // than erratic ones (impulse repeats), whose gaps do not depend on what they last bought.
    const w = (p.n - 1) / (gg + 0.05 * (p.n - 1))
    a.bqg += w * qg
    a.bqq += w * qq
  }
  if (p.k >= 2) {
    a.repeatPairs += 1
    a.sumKRepeat += p.k
    const bin = Math.min(CENS_BINS - 1, Math.max(0, Math.floor(Math.log(Math.max(asOfDay - p.lastDay - 0.5, 0.5)) / BIN) - CENS_MIN_BIN))
    a.censCount[bin]! += 1
    a.censLnQ[bin]! += Math.log(p.lastQty)
  }
}

/** Pooled within-pair regression of ln g on ln q (how much a multi-unit purchase stretches a gap), weighted. */
export function estimateBeta(aggs: Iterable<RawAggregate>): number {
  let qg = 0, qq = 0
  for (const a of aggs) {
    qg += a.bqg
    qq += a.bqq
  }
  return Math.min(Math.max(qg / (qq + BETA_RIDGE), 0), 1.5)
}

export function toLevelAggregate(a: RawAggregate, beta: number): LevelAggregate {
  const b2 = beta * beta
  return {
    key: a.key,
    parent: a.parent,
    pairs: a.pairs,
    repeatPairs: a.repeatPairs,
    sumKRepeat: a.sumKRepeat,
    n: a.n,
    sy: a.sg - beta * a.sq,
    syy: a.sgg - 2 * beta * a.sqg + b2 * a.sqq,
    gapPairs: a.gapPairs,
    sumYbar: a.mg - beta * a.mq,
    sumYbar2: a.mgg - 2 * beta * a.mgq + b2 * a.mqq,
    sumInvN: a.invN,
    within: a.wgg - 2 * beta * a.wqg + b2 * a.wqq,
    withinDf: a.withinDf,
  }
}

/** Open spells as quantity-adjusted censoring points: [bin centre − β · mean ln q, count]. */
export function censoredSpells(a: RawAggregate, beta: number): CensoredSpells {
  const out: Array<readonly [number, number]> = []
  a.censCount.forEach((count, i) => {
    if (count > 0) out.push([(i + CENS_MIN_BIN + 0.5) * BIN - (beta * a.censLnQ[i]!) / count, count])
  })
  return out
}
