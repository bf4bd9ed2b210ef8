import type { Ctx } from '../../context.ts'
import { type DayRow, type FoldedHousehold, type FoldOptions, foldHousehold } from './history-fold.ts'
import { addHousehold, emptyRankerPool, fitRanker, type ListRanker, type RankedItem, rankHousehold, type RankerPool } from './list-ranker.ts'
import { type CustomerScope, type LoyaltyRule, qualifiesAsLoyal } from './loyalty-rule.ts'
import { accumulate, type CutoffAccumulator, fitModel, newAccumulator } from './model-fit.ts'
import { countShoppingHouseholds, dayRows, type HouseholdMeta, householdPage, productGroups } from './predictions.repository.ts'
import { PackedHouseholds } from './packed-households.ts'
import { type ModelParams, scoreHousehold } from './repurchase-model.ts'

/**
 * Orchestration: stream households in keyset chunks, fold their purchase days at the cutoffs
 * needed, fit the population model per cutoff, fit the list ranker and its calibrator on earlier
 * cutoffs, score.
 * Nothing here reads the clock: every date comes from the caller, so any past as-of date replays.
 */
export interface ModelSettings {
  readonly horizonDays: number
  readonly lookbackDays: number
  /** Earlier cutoffs (every horizonDays before the as-of date) the list ranker and calibrator are fitted on. */
  readonly calibrationCutoffs: number
  readonly customers: CustomerScope
  readonly loyalty: LoyaltyRule
  readonly aliveFloor: number
  /** Household sample sizes for the calibration pass and the MBG/NBD fit (deterministic by id). */
  readonly calibrationHouseholds: number
  readonly gateHouseholds: number
  readonly chunkSize: number
}

export const DEFAULT_SETTINGS: Omit<ModelSettings, 'loyalty'> = {
  horizonDays: 14,
  lookbackDays: 365,
  calibrationCutoffs: 3,
  customers: 'loyal',
  aliveFloor: 0.3,
  calibrationHouseholds: 1500,
  gateHouseholds: 5000,
  chunkSize: 250,
}

/** One run's state: fitted models and calibration pools by cutoff day, reused across cutoffs. */
export interface ModelRun {
  readonly settings: ModelSettings
  readonly groupOf: (sku: string) => string | null
  /** Households shopping in the lookback before a cutoff, by cutoff day (sizes the samples). */
  readonly shoppers: Map<number, number>
  readonly models: Map<number, ModelParams>
  readonly pools: Map<number, RankerPool>
  /** Rows pass 1 kept for pass 2 (then dropped). */
  kept?: KeptSample | undefined
}

/** The households of a pool sample, as pass 1 read them over [fromDay, toDay). */
interface KeptSample {
  readonly fromDay: number
  readonly toDay: number
  readonly rate: number
  readonly households: PackedHouseholds
}

export interface HouseholdRows {
  readonly meta: HouseholdMeta
  readonly rows: readonly DayRow[]
}

export async function openRun(ctx: Ctx, settings: ModelSettings): Promise<ModelRun> {
  const groups = await productGroups(ctx.db)
  return { settings, groupOf: (sku) => groups.get(sku) ?? null, shoppers: new Map(), models: new Map(), pools: new Map() }
}

/** Share of households to sample at a cutoff so that about `target` are taken. */
async function sampleRate(ctx: Ctx, run: ModelRun, day: number, target: number): Promise<number> {
  let n = run.shoppers.get(day)
  if (n === undefined) {
    n = await countShoppingHouseholds(ctx.db, day - run.settings.lookbackDays, day)
    run.shoppers.set(day, n)
  }
  return Math.min(1, target / Math.max(n, 1))
}

/** Deterministic household sample: the golden-ratio hash of the id below the rate. */
export function inSample(id: number, rate: number): boolean {
  return rate >= 1 || (id * 0.6180339887498949) % 1 < rate
}

/**
 * Households with their purchase days in [fromDay, toDay), in id order. PREFETCH_CHUNKS chunk
 * queries are in flight while the caller folds the current one: each is a GROUP BY over a chunk's
 * lines, and one at a time the fold waited for the database a quarter of the time.
 */
export async function* streamHouseholds(
  ctx: Ctx,
  run: ModelRun,
  range: { fromDay: number; toDay: number; sampleRate?: number },
): AsyncGenerator<HouseholdRows> {
  const rate = range.sampleRate ?? 1
  const size = run.settings.chunkSize
  // Pages (ids only, an index scan) chain one after another; each page's rows are fetched as soon as its ids are known.
  let nextPage = householdPage(ctx.db, 0, size)
  const startChunk = () => {
    const page = nextPage
    nextPage = page.then((p) => (p.length === 0 ? p : householdPage(ctx.db, p[p.length - 1]!.id, size)))
    const chunk = page.then(async (p) => {
      if (p.length === 0) return undefined
      const metas = p.filter((m) => inSample(m.id, rate))
      const only = rate < 1 ? metas.map((m) => m.id) : undefined
      const rows = metas.length === 0 ? [] : await dayRows(ctx.db, { afterId: p[0]!.id - 1, lastId: p[p.length - 1]!.id, fromDay: range.fromDay, toDay: range.toDay, only })
      return { metas, rows }
    })
    // Handled when awaited in turn; this keeps a failure of a chunk not yet awaited from counting as unhandled.
    chunk.catch(() => {})
    return chunk
  }
  const inFlight = Array.from({ length: PREFETCH_CHUNKS }, startChunk)
  for (;;) {
    const chunk = await inFlight.shift()!
    if (!chunk) return
    inFlight.push(startChunk())
    let i = 0
    for (const meta of chunk.metas) {
      const start = i
      while (i < chunk.rows.length && chunk.rows[i]!.householdId === meta.id) i++
      yield { meta, rows: chunk.rows.slice(start, i) }
    }
  }
}

/** Chunk queries in flight ahead of the fold (two: the database then works on both cores while the fold waits least). */
const PREFETCH_CHUNKS = 2

export function foldOptions(s: ModelSettings, asOfDay: number, followDays = 0): FoldOptions {
  return { asOfDay, lookbackDays: s.lookbackDays, horizonDays: s.horizonDays, spendDays: s.loyalty.weeks * 7, followDays }
}

export function fold(run: ModelRun, h: HouseholdRows, asOfDay: number, followDays = 0): FoldedHousehold {
  return foldHousehold(h.meta.id, h.rows, run.groupOf, foldOptions(run.settings, asOfDay, followDays))
}

/** Is the household in the requested population at this cutoff (decided from history only)? */
export function inScope(run: ModelRun, meta: HouseholdMeta, f: FoldedHousehold): boolean {
  if (f.history.items.length === 0) return false
  return run.settings.customers === 'all' || qualifiesAsLoyal(meta.optedIn, f.recentSpendCents, run.settings.loyalty)
}

/**
 * Pass 1: fits the population model at every cutoff day not fitted yet, in one scan. `poolDays`:
 * cutoffs whose pools pass 2 will build next; when this scan's rows cover theirs, it keeps their
 * sample's rows (packed) so pass 2 does not read them again.
 */
export async function ensureModels(ctx: Ctx, run: ModelRun, days: readonly number[], poolDays: readonly number[] = []): Promise<void> {
  const todo = [...new Set(days)].filter((d) => !run.models.has(d)).sort((a, b) => a - b)
  if (todo.length === 0) return
  const s = run.settings
  const accs: CutoffAccumulator[] = todo.map((d) => newAccumulator(d))
  const gateRates: number[] = []
  for (const d of todo) gateRates.push(await sampleRate(ctx, run, d, s.gateHouseholds))
  const range = { fromDay: todo[0]! - s.lookbackDays, toDay: todo[todo.length - 1]! }
  const keep = await sampleToKeep(ctx, run, range, poolDays)
  for await (const h of streamHouseholds(ctx, run, range)) {
    accs.forEach((acc, j) => accumulate(acc, fold(run, h, acc.asOfDay).history, inSample(h.meta.id, gateRates[j]!)))
    if (keep && inSample(h.meta.id, keep.rate)) keep.households.add(h.meta, h.rows)
  }
  for (const acc of accs) run.models.set(acc.asOfDay, fitModel(acc, { horizonDays: s.horizonDays, aliveFloor: s.aliveFloor }))
  run.kept = keep
  ctx.log.debug({ cutoffs: todo.length, kept: keep?.households.size ?? 0 }, 'fitted population models')
}

/** What pass 2 will read for these pool days: its range of days and its household sample. */
async function poolScan(ctx: Ctx, run: ModelRun, days: readonly number[]): Promise<{ fromDay: number; toDay: number; rates: number[] }> {
  const s = run.settings
  const rates: number[] = []
  for (const d of days) rates.push(await sampleRate(ctx, run, d, s.calibrationHouseholds))
  return { fromDay: days[0]! - s.lookbackDays, toDay: days[days.length - 1]! + s.horizonDays, rates }
}

async function sampleToKeep(ctx: Ctx, run: ModelRun, range: { fromDay: number; toDay: number }, poolDays: readonly number[]): Promise<KeptSample | undefined> {
  const todo = [...new Set(poolDays)].filter((d) => !run.pools.has(d)).sort((a, b) => a - b)
  if (todo.length === 0) return undefined
  const scan = await poolScan(ctx, run, todo)
  if (scan.fromDay < range.fromDay || scan.toDay > range.toDay) return undefined
  return { fromDay: range.fromDay, toDay: range.toDay, rate: Math.max(...scan.rates), households: new PackedHouseholds() }
}

/** Pass 2: the list ranker's pools (features or raw score, bought in window) at cutoffs whose window has fully happened. */
export async function ensurePools(ctx: Ctx, run: ModelRun, days: readonly number[]): Promise<void> {
  const todo = [...new Set(days)].filter((d) => !run.pools.has(d)).sort((a, b) => a - b)
  if (todo.length === 0) return
  await ensureModels(ctx, run, todo)
  const s = run.settings
  const pools = todo.map(() => emptyRankerPool())
  const { rates, ...scan } = await poolScan(ctx, run, todo)
  const range = { ...scan, sampleRate: Math.max(...rates) }
  // Pass 1 kept these households' rows when its scan covered this one (a fresh run at an as-of date).
  const kept = run.kept
  run.kept = undefined
  const covered = kept && kept.fromDay <= range.fromDay && kept.toDay >= range.toDay && kept.rate >= range.sampleRate
  const households = covered ? kept.households.households() : streamHouseholds(ctx, run, range)
  for await (const h of households) {
    todo.forEach((day, j) => {
      if (!inSample(h.meta.id, rates[j]!)) return
      const f = fold(run, h, day, s.horizonDays)
      if (!inScope(run, h.meta, f)) return
      const model = run.models.get(day)!
      const scored = scoreHousehold(f.history, model)
      if (scored) addHousehold(pools[j]!, f.history, model, scored, (sku) => f.future.has(sku))
    })
  }
  todo.forEach((day, j) => run.pools.set(day, pools[j]!))
}

export function calibrationDays(s: ModelSettings, asOfDay: number): number[] {
  return Array.from({ length: s.calibrationCutoffs }, (_, j) => asOfDay - s.horizonDays * (j + 1))
}

/**
 * Passes 1 and 2 for an as-of date: the population models at it and at the cutoffs before it (pass
 * 1 keeping the ranker's sample for pass 2), then the list ranker fitted on those cutoffs' pools.
 */
export async function fitAsOf(ctx: Ctx, run: ModelRun, asOfDay: number): Promise<ListRanker> {
  const earlier = calibrationDays(run.settings, asOfDay)
  await ensureModels(ctx, run, [asOfDay, ...earlier], earlier)
  return rankerFor(ctx, run, asOfDay)
}

/** The list ranker for an as-of date: trees and calibrator fitted on the pools of the cutoffs before it. */
export async function rankerFor(ctx: Ctx, run: ModelRun, asOfDay: number): Promise<ListRanker> {
  const days = calibrationDays(run.settings, asOfDay)
  await ensurePools(ctx, run, days)
  const started = performance.now()
  const ranker = fitRanker(days.map((d) => run.pools.get(d)!))
  ctx.log.debug({ rows: ranker.trainedOn, ms: Math.round(performance.now() - started) }, 'fitted the list ranker')
  return ranker
}

export interface ScoredHousehold {
  readonly meta: HouseholdMeta
  readonly folded: FoldedHousehold
  /** Items best first (as the list ranker orders them) with raw and calibrated probabilities; undefined when it lapsed. */
  readonly items: readonly RankedItem[] | undefined
}

/** Pass 3: every in-scope household at the as-of date, scored and calibrated. */
export async function* scoreHouseholds(ctx: Ctx, run: ModelRun, asOfDay: number, followDays = 0): AsyncGenerator<ScoredHousehold> {
  const ranker = await fitAsOf(ctx, run, asOfDay)
  const model = run.models.get(asOfDay)!
  const range = { fromDay: asOfDay - run.settings.lookbackDays, toDay: asOfDay + followDays }
  for await (const h of streamHouseholds(ctx, run, range)) {
    const folded = fold(run, h, asOfDay, followDays)
    if (!inScope(run, h.meta, folded)) continue
    const scored = scoreHousehold(folded.history, model)
    yield { meta: h.meta, folded, items: scored && rankHousehold(ranker, folded.history, model, scored) }
  }
}

export interface PredictedItem {
  readonly sku: string
  /** Calibrated P(at least one purchase in [asOf, asOf + horizon)). */
  readonly probability: number
  readonly expectedDate: string
  readonly cycleDays: number
  readonly lastPurchased: string
}

export interface HouseholdPrediction {
  readonly cardNumber: string | null
  readonly householdId: string
  readonly items: readonly PredictedItem[]
}

export function dayToIso(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10)
}

/** 'YYYY-MM-DD' → UTC day number; undefined when it is not a real calendar date. */
export function isoToDay(iso: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return undefined
  const ms = Date.parse(`${iso}T00:00:00Z`)
  if (Number.isNaN(ms) || dayToIso(ms / 86_400_000) !== iso) return undefined
  return ms / 86_400_000
}

/**
 * The printed-list predictions at an as-of date: one entry per in-scope household that is still
 * shopping, its top items best first. Households come in id order (streamed, flat memory).
 */
export async function* predictLists(ctx: Ctx, settings: ModelSettings, asOfDay: number, top: number): AsyncGenerator<HouseholdPrediction> {
  const run = await openRun(ctx, settings)
  for await (const h of scoreHouseholds(ctx, run, asOfDay)) {
    if (!h.items || h.items.length === 0) continue
    yield {
      cardNumber: h.meta.cardNumber,
      householdId: h.meta.externalId,
      items: printedItems(h.items, top),
    }
  }
}

/** Pure: the top `top` ranked items as printed and as `pantry predict` prints them (rounded, ISO dates). */
export function printedItems(items: readonly { sku: string; calibrated: number; nextDay: number; cycleDays: number; lastDay: number }[], top: number): PredictedItem[] {
  return items.slice(0, top).map((it) => ({
    sku: it.sku,
    probability: Math.round(it.calibrated * 10_000) / 10_000,
    expectedDate: dayToIso(it.nextDay),
    cycleDays: Math.round(it.cycleDays * 10) / 10,
    lastPurchased: dayToIso(it.lastDay),
  }))
}
