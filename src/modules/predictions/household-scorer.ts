import type { Config } from '../../config.ts'
import type { Ctx } from '../../context.ts'
import { createAsOfMemo } from './as-of-memo.ts'
import { householdDayRows, householdMetaById } from './household-history.repository.ts'
import {
  DEFAULT_SETTINGS, fitAsOf, fold, type HouseholdRows, inScope, type ModelRun,
  type ModelSettings, openRun, type PredictedItem, printedItems,
} from './predictions.service.ts'
import { type ListRanker, rankHousehold } from './list-ranker.ts'
import { type ModelParams, scoreHousehold } from './repurchase-model.ts'

/**
 * One household's predictions at an as-of date, the same numbers `pantry predict --as-of` prints
 * for it, without streaming the whole population on every call. What predictLists computes from
 * the population (product and group priors, the household gate, the list ranker fitted on earlier
 * cutoffs) is fitted once per (settings, as-of day) by the same functions predictLists uses, and
 * kept in memory (PopulationFits); each call then reads only the household's own lookback window
 * and scores it against that fit, as predictLists' last pass scores every household.
 */

/** The settings the printed lists use: `pantry predict`'s defaults and the list cycle's. */
export function listModelSettings(config: Pick<Config, 'cycle' | 'loyalty'>): ModelSettings {
  return { ...DEFAULT_SETTINGS, horizonDays: config.cycle.lengthDays, customers: 'loyal', loyalty: config.loyalty }
}

export interface PopulationFit {
  readonly asOfDay: number
  /** The run it was fitted in, reduced to what scoring reads: settings, product groups, the model at asOfDay. */
  readonly run: ModelRun
  readonly model: ModelParams
  readonly ranker: ListRanker
}

/** The population side of predictLists at `asOfDay`: passes 1 and 2 (seconds: every household's year is read). */
export async function fitPopulation(ctx: Ctx, settings: ModelSettings, asOfDay: number): Promise<PopulationFit> {
  const run = await openRun(ctx, settings)
  const ranker = await fitAsOf(ctx, run, asOfDay)
  const model = run.models.get(asOfDay)!
  // The earlier cutoffs' models and the ranker's pools (megabytes of rows and bins) are not kept.
  const kept: ModelRun = { settings, groupOf: run.groupOf, shoppers: new Map(), models: new Map([[asOfDay, model]]), pools: new Map() }
  return { asOfDay, run: kept, model, ranker }
}

/** Pure: the household's top items under a fit, exactly as predictLists lists them ([] where it lists nothing). */
export function scoreWithFit(fit: PopulationFit, h: HouseholdRows, top: number): PredictedItem[] {
  const folded = fold(fit.run, h, fit.asOfDay)
  if (!inScope(fit.run, h.meta, folded)) return []
  const scored = scoreHousehold(folded.history, fit.model)
  if (!scored) return []
  // Ranked and rounded by the same functions as predictLists.
  return printedItems(rankHousehold(fit.ranker, folded.history, fit.model, scored), top)
}

/** Memoized population fits, one per (settings, as-of day). */
export interface PopulationFits {
  /**
   * The fit for these settings at `asOfDay`. The first call fits it (concurrent callers share that
   * one fit); later calls reuse it after checking, in one indexed query, that no basket dated
   * before `asOfDay` was stored since (a lane's offline queue, an import of past days): if one
   * was, it is fitted again, so the numbers stay those a fresh `pantry predict` would print.
   */
  get(ctx: Ctx, settings: ModelSettings, asOfDay: number): Promise<PopulationFit>
  /** Whether the fit for these settings at `asOfDay` is being made right now. */
  computing(settings: ModelSettings, asOfDay: number): boolean
  /** Fits started so far (for logs and tests). */
  readonly fitsStarted: number
}

/** Fits kept at most, least recently used dropped first (each holds a prior per product and group, and the calibration maps). */
export const DEFAULT_MAX_FITS = 8

/**
 * An in-process cache (as-of-memo.ts): one per app (profileRoutes makes it), so each server
 * process fits a day once and a test's app never sees another database's fit.
 */
export function createPopulationFits(maxFits = DEFAULT_MAX_FITS): PopulationFits {
  const memo = createAsOfMemo<ModelSettings, PopulationFit>({
    maxEntries: maxFits,
    compute: fitPopulation,
    message: 'fitted the population model for household predictions',
    fields: (settings) => ({ customers: settings.customers }),
  })
  return {
    get: (ctx, settings, asOfDay) => memo.get(ctx, settings, asOfDay),
    computing: (settings, asOfDay) => memo.computing(settings, asOfDay),
    get fitsStarted() {
      return memo.started
    },
  }
}

/**
 * The household's top `top` predicted items at `asOfDay` (only purchases before it): what
 * predictLists yields for it with the same settings, or [] when it yields nothing for it (out of
 * scope, lapsed, unknown). Reads the household's own 365-day window; the population fit comes from
 * `fits`.
 */
export async function predictHousehold(
  ctx: Ctx,
  fits: PopulationFits,
  input: { settings: ModelSettings; householdId: number; asOfDay: number; top: number },
): Promise<PredictedItem[]> {
  const { settings, householdId, asOfDay } = input
  const [fit, meta, rows] = await Promise.all([
    fits.get(ctx, settings, asOfDay),
    householdMetaById(ctx.db, householdId),
    householdDayRows(ctx.db, householdId, { fromDay: asOfDay - settings.lookbackDays, toDay: asOfDay }),
  ])
  return meta ? scoreWithFit(fit, { meta, rows }, input.top) : []
}
