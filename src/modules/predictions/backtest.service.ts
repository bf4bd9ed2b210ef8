import type { Ctx } from '../../context.ts'
import { BASELINES, baselineList } from './baselines.ts'
import { addToPool, emptyPool } from './calibration.ts'
import { bootstrapDiff, ProbabilityScore, RankingAverage, type RankingMetric, rankingRow, reliability, reliabilityByWidth } from './metrics.ts'
import { lineDayRange } from './predictions.repository.ts'
import { dayToIso, type ModelSettings, openRun, type ScoredHousehold, scoreHouseholds } from './predictions.service.ts'

/**
 * Rolling-origin backtest (research notes §5): at every cutoff T the model, its population fits
 * and its calibrator use only transactions before T (exactly what `pantry predict --as-of T` would
 * print), and are scored against what each in-scope household bought in [T, T + W).
 */
export const MODEL = 'eb-renewal'
const MODELS = [MODEL, ...BASELINES] as const
type ModelName = (typeof MODELS)[number]
const BOOTSTRAP_METRICS: readonly RankingMetric[] = ['ndcg10', 'precision10', 'recall10', 'recall20', 'hit10']
/** How far ahead the actual next purchase is looked for when scoring expected dates. */
export const DATE_FOLLOW_DAYS = 56
const LIST_LENGTH = 20

export interface BacktestInput {
  readonly fromDay: number
  readonly toDay: number
  readonly everyDays: number
}

interface Accumulators {
  readonly ranking: Map<ModelName, RankingAverage>
  /** Per household: Σ (metric − P-TopFreq metric) per model×metric, and the number of cutoffs. */
  readonly clusters: Map<number, Float64Array>
  readonly calibrated: ProbabilityScore
  readonly raw: ProbabilityScore
  readonly pool: ReturnType<typeof emptyPool>
  dateErr: number; dateErrBaseline: number; datePairs: number
  households: number; evaluated: number; lapsed: number; lapsedShopped: number
}

function newAccumulators(): Accumulators {
  return {
    ranking: new Map(MODELS.map((m) => [m, new RankingAverage()])),
    clusters: new Map(),
    calibrated: new ProbabilityScore(),
    raw: new ProbabilityScore(),
    pool: emptyPool(),
    dateErr: 0, dateErrBaseline: 0, datePairs: 0,
    households: 0, evaluated: 0, lapsed: 0, lapsedShopped: 0,
  }
}

export function cutoffDays(input: BacktestInput): number[] {
  const out: number[] = []
  for (let d = input.fromDay; d <= input.toDay; d += input.everyDays) out.push(d)
  return out
}

function addCalibrationAndDates(acc: Accumulators, h: ScoredHousehold, truth: ReadonlySet<string>, asOfDay: number): void {
  if (!h.items) return
  const bySku = new Map(h.folded.history.items.map((it) => [it.sku, it]))
  h.items.forEach((it, rank) => {
    const bought = truth.has(it.sku)
    acc.calibrated.add(it.calibrated, bought)
    acc.raw.add(it.p, bought)
    addToPool(acc.pool, it.calibrated, bought)
    const next = h.folded.future.get(it.sku)
    const stats = bySku.get(it.sku)
    if (rank >= LIST_LENGTH || next === undefined || !stats) return
    // Baseline date: the last purchase plus the pair's own mean gap (the product cycle for one purchase).
    const ownGap = stats.n > 0 ? (stats.lastDay - stats.firstDay) / stats.n : it.cycleDays
    acc.dateErr += Math.abs(it.nextDay - next)
    acc.dateErrBaseline += Math.abs(Math.max(asOfDay, stats.lastDay + Math.round(ownGap)) - next)
    acc.datePairs += 1
  })
}

function addRanking(acc: Accumulators, h: ScoredHousehold, truth: ReadonlySet<string>): void {
  const history = new Set(h.folded.history.items.map((it) => it.sku))
  const rows = new Map<ModelName, ReturnType<typeof rankingRow>>()
  rows.set(MODEL, rankingRow(h.items?.map((it) => it.sku) ?? [], truth, history))
  for (const b of BASELINES) rows.set(b, rankingRow(baselineList(b, h.folded.history.items), truth, history))
  for (const [m, row] of rows) acc.ranking.get(m)!.add(row)
  const ref = rows.get('p-topfreq')!
  const cl = acc.clusters.get(h.meta.id) ?? new Float64Array(MODELS.length * BOOTSTRAP_METRICS.length + 1)
  MODELS.forEach((m, i) => BOOTSTRAP_METRICS.forEach((metric, j) => {
    cl[i * BOOTSTRAP_METRICS.length + j]! += (rows.get(m)![metric] ?? 0) - (ref[metric] ?? 0)
  }))
  cl[cl.length - 1]! += 1
  acc.clusters.set(h.meta.id, cl)
}

export interface BacktestProgress {
  (done: number, total: number, asOf: string): void
}

export async function runBacktest(ctx: Ctx, settings: ModelSettings, input: BacktestInput, progress?: BacktestProgress) {
  const run = await openRun(ctx, settings)
  const { last } = await lineDayRange(ctx.db)
  const all = cutoffDays(input)
  // A cutoff whose window runs past the data would count unseen purchases as misses.
  const days = all.filter((d) => last !== null && d + settings.horizonDays <= last + 1)
  const acc = newAccumulators()
  const perCutoff: CutoffSummary[] = []
  for (const [i, day] of days.entries()) {
    const before = { households: acc.households, evaluated: acc.evaluated }
    for await (const h of scoreHouseholds(ctx, run, day, DATE_FOLLOW_DAYS)) {
      const truth = new Set([...h.folded.future].filter(([, d]) => d < day + settings.horizonDays).map(([sku]) => sku))
      acc.households += 1
      if (!h.items) {
        acc.lapsed += 1
        if (truth.size > 0) acc.lapsedShopped += 1
      }
      addCalibrationAndDates(acc, h, truth, day)
      if (truth.size === 0) continue
      acc.evaluated += 1
      addRanking(acc, h, truth)
    }
    perCutoff.push({ asOf: dayToIso(day), households: acc.households - before.households, evaluated: acc.evaluated - before.evaluated })
    progress?.(i + 1, days.length, dayToIso(day))
  }
  return report(settings, input, acc, perCutoff, all.filter((d) => !days.includes(d)).map(dayToIso))
}

interface CutoffSummary {
  readonly asOf: string
  readonly households: number
  readonly evaluated: number
}

type Ranking = Record<string, ReturnType<RankingAverage['result']>>
type Differences = Record<string, Record<string, { mean: number; lo: number; hi: number; relative: number | null }>>

/** Mean differences from P-TopFreq with 95 % household-bootstrap intervals, per model and metric. */
function bootstrapDifferences(acc: Accumulators, ranking: Ranking): Differences {
  const clusters = [...acc.clusters.values()]
  const units = clusters.length > 0 ? clusters[0]!.length - 1 : 0
  const differences: Differences = {}
  MODELS.forEach((m, i) => {
    if (m === 'p-topfreq') return
    differences[m] = {}
    BOOTSTRAP_METRICS.forEach((metric, j) => {
      const k = i * BOOTSTRAP_METRICS.length + j
      const d = bootstrapDiff(clusters.map((c) => ({ sum: c[k]!, units: c[units]! })), 1000, 17 + k)
      const ref = ranking['p-topfreq']![metric]
      differences[m]![metric] = { ...d, relative: ref ? d.mean / ref : null }
    })
  })
  return differences
}

function report(settings: ModelSettings, input: BacktestInput, acc: Accumulators, perCutoff: CutoffSummary[], skipped: string[]) {
  const ranking: Ranking = Object.fromEntries(MODELS.map((m) => [m, acc.ranking.get(m)!.result()]))
  const differences = bootstrapDifferences(acc, ranking)
  const rel = reliability(acc.pool, 10)
  const relWidth = reliabilityByWidth(acc.pool, 10)
  return {
    from: dayToIso(input.fromDay),
    to: dayToIso(input.toDay),
    everyDays: input.everyDays,
    horizonDays: settings.horizonDays,
    customers: settings.customers,
    cutoffs: perCutoff,
    skippedCutoffs: skipped,
    households: { scored: acc.households, evaluated: acc.evaluated, lapsed: acc.lapsed, lapsedThatShopped: acc.lapsedShopped },
    ranking,
    differencesFromPTopFreq: differences,
    calibration: {
      pairs: acc.calibrated.pairs,
      ...acc.calibrated.result(),
      raw: acc.raw.result(),
      /** ECE over 10 equal-width probability bins, and over 10 equal-count bins. */
      ece: relWidth.ece,
      eceEqualCount: rel.ece,
      reliability: relWidth.table,
      reliabilityEqualCount: rel.table,
    },
    expectedDate: {
      pairs: acc.datePairs,
      followDays: DATE_FOLLOW_DAYS,
      maeDays: acc.datePairs ? acc.dateErr / acc.datePairs : null,
      maeDaysLastPlusOwnMeanGap: acc.datePairs ? acc.dateErrBaseline / acc.datePairs : null,
    },
  }
}

export type BacktestReport = Awaited<ReturnType<typeof runBacktest>>
