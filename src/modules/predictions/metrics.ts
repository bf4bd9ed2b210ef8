import type { CalibrationPool } from './calibration.ts'
import { mulberry32 } from '../seed/prng.ts'

/**
 * Backtest metrics (research notes §5), pure. Ranking metrics per household and list; NDCG uses
 * binary gains and an ideal DCG over min(|truth|, K) positions (§2.6: the "standard" one).
 */
export function hitsAt(list: readonly string[], truth: ReadonlySet<string>, k: number): number {
  let hits = 0
  for (let i = 0; i < Math.min(k, list.length); i++) if (truth.has(list[i]!)) hits++
  return hits
}

export function recallAt(list: readonly string[], truth: ReadonlySet<string>, k: number): number {
  return truth.size === 0 ? 0 : hitsAt(list, truth, k) / truth.size
}

/** Share of the K printed lines bought (a shorter list still counts K slots). */
export function precisionAt(list: readonly string[], truth: ReadonlySet<string>, k: number): number {
  return hitsAt(list, truth, k) / k
}

export function ndcgAt(list: readonly string[], truth: ReadonlySet<string>, k: number): number {
  let dcg = 0
  for (let i = 0; i < Math.min(k, list.length); i++) if (truth.has(list[i]!)) dcg += 1 / Math.log2(i + 2)
  let idcg = 0
  for (let i = 0; i < Math.min(truth.size, k); i++) idcg += 1 / Math.log2(i + 2)
  return idcg === 0 ? 0 : dcg / idcg
}

export const RANKING_METRICS = ['recall10', 'recall20', 'precision10', 'ndcg10', 'hit10', 'recallRepeat10', 'recallNew10'] as const
export type RankingMetric = (typeof RANKING_METRICS)[number]

/** One household's metrics; the repeat/new recalls are undefined when that part of the truth is empty. */
export type RankingRow = Record<RankingMetric, number | undefined>

export function rankingRow(list: readonly string[], truth: ReadonlySet<string>, history: ReadonlySet<string>): RankingRow {
  const repeat = new Set([...truth].filter((s) => history.has(s)))
  const fresh = new Set([...truth].filter((s) => !history.has(s)))
  return {
    recall10: recallAt(list, truth, 10),
    recall20: recallAt(list, truth, 20),
    precision10: precisionAt(list, truth, 10),
    ndcg10: ndcgAt(list, truth, 10),
    hit10: hitsAt(list, truth, 10) > 0 ? 1 : 0,
    recallRepeat10: repeat.size === 0 ? undefined : recallAt(list, repeat, 10),
    recallNew10: fresh.size === 0 ? undefined : recallAt(list, fresh, 10),
  }
}

/** Macro-average over households, each metric over the households where it is defined. */
export class RankingAverage {
  private readonly sum = new Map<RankingMetric, number>()
  private readonly count = new Map<RankingMetric, number>()
  add(row: RankingRow): void {
    for (const m of RANKING_METRICS) {
      const v = row[m]
      if (v === undefined) continue
      this.sum.set(m, (this.sum.get(m) ?? 0) + v)
      this.count.set(m, (this.count.get(m) ?? 0) + 1)
    }
  }
  result(): Record<RankingMetric, number | null> {
    const out = {} as Record<RankingMetric, number | null>
    for (const m of RANKING_METRICS) {
      const c = this.count.get(m) ?? 0
      out[m] = c === 0 ? null : this.sum.get(m)! / c
    }
    return out
  }
}

export interface ReliabilityBin {
  readonly meanPredicted: number
  readonly observedRate: number
  readonly pairs: number
}

/**
 * Reliability table with (about) equal-count bins, read off a fine score histogram, and the
 * expected calibration error Σ (n_b / N)·|mean predicted − observed| over those bins.
 */
export function reliability(pool: CalibrationPool, bins = 10): { table: ReliabilityBin[]; ece: number } {
  let total = 0
  for (const c of pool.count) total += c
  const table: ReliabilityBin[] = []
  if (total === 0) return { table, ece: 0 }
  let n = 0, pos = 0, ps = 0, seen = 0
  let next = 1
  for (let i = 0; i < pool.count.length; i++) {
    n += pool.count[i]!
    pos += pool.positives[i]!
    ps += pool.scoreSum[i]!
    seen += pool.count[i]!
    // A bin closes once the cumulative count reaches its share; a heavy score bin may span several.
    if (n > 0 && (seen >= (total * next) / bins || i === pool.count.length - 1)) {
      table.push({ meanPredicted: ps / n, observedRate: pos / n, pairs: n })
      n = 0; pos = 0; ps = 0
      next = Math.floor((seen * bins) / total) + 1
    }
  }
  const ece = table.reduce((s, b) => s + (b.pairs / total) * Math.abs(b.meanPredicted - b.observedRate), 0)
  return { table, ece }
}

/**
 * Reliability table with equal-width bins [0, 0.1), [0.1, 0.2), … (empty bins left out) and the
 * ECE over them (Guo et al. 2017): it shows directly whether "0.3" means 3 in 10.
 */
export function reliabilityByWidth(pool: CalibrationPool, bins = 10): { table: ReliabilityBin[]; ece: number } {
  const per = pool.count.length / bins
  const table: ReliabilityBin[] = []
  let total = 0
  for (let b = 0; b < bins; b++) {
    let n = 0, pos = 0, ps = 0
    for (let i = Math.round(b * per); i < Math.round((b + 1) * per); i++) {
      n += pool.count[i]!
      pos += pool.positives[i]!
      ps += pool.scoreSum[i]!
    }
    total += n
    if (n > 0) table.push({ meanPredicted: ps / n, observedRate: pos / n, pairs: n })
  }
  const ece = total === 0 ? 0 : table.reduce((s, b) => s + (b.pairs / total) * Math.abs(b.meanPredicted - b.observedRate), 0)
  return { table, ece }
}

/** Brier score and log-loss accumulated pair by pair. */
export class ProbabilityScore {
  pairs = 0
  private sq = 0
  private ll = 0
  add(p: number, bought: boolean): void {
    const y = bought ? 1 : 0
    const q = Math.min(Math.max(p, 1e-6), 1 - 1e-6)
    this.pairs++
    this.sq += (p - y) ** 2
    this.ll -= y * Math.log(q) + (1 - y) * Math.log(1 - q)
  }
  result(): { brier: number | null; logLoss: number | null } {
    return this.pairs === 0 ? { brier: null, logLoss: null } : { brier: this.sq / this.pairs, logLoss: this.ll / this.pairs }
  }
}

/** A small seeded PRNG, so bootstrap intervals are reproducible. */
export const prng = mulberry32

/**
 * Paired cluster bootstrap: households are resampled with replacement (all their cutoffs move
 * together, since one household's cutoffs are not independent), and the statistic is the pooled
 * mean difference Σ diff / Σ units. Returns the mean and the 95 % percentile interval.
 */
export function bootstrapDiff(
  clusters: ReadonlyArray<{ readonly sum: number; readonly units: number }>,
  resamples = 1000,
  seed = 1,
): { mean: number; lo: number; hi: number } {
  const units = clusters.reduce((s, c) => s + c.units, 0)
  const mean = units === 0 ? 0 : clusters.reduce((s, c) => s + c.sum, 0) / units
  if (clusters.length < 2) return { mean, lo: mean, hi: mean }
  const rnd = prng(seed)
  const stats: number[] = []
  for (let r = 0; r < resamples; r++) {
    let s = 0, u = 0
    for (let i = 0; i < clusters.length; i++) {
      const c = clusters[Math.floor(rnd() * clusters.length)]!
      s += c.sum
      u += c.units
    }
    stats.push(u === 0 ? 0 : s / u)
  }
  stats.sort((a, b) => a - b)
  return { mean, lo: stats[Math.floor(0.025 * resamples)]!, hi: stats[Math.ceil(0.975 * resamples) - 1]! }
}
