import type { Config } from '../../config.ts'
import type { Ctx } from '../../context.ts'
import { calibrateStratified, type StratifiedCalibrator } from './calibration.ts'
import { basketsSince, householdDayRows, householdMetaById, lastTransactionId } from './household-history.repository.ts'
import {
  calibrationDays, calibratorFor, DEFAULT_SETTINGS, dayToIso, ensureModels, fold, type HouseholdRows, inScope, type ModelRun,
  type ModelSettings, openRun, type PredictedItem,
} from './predictions.service.ts'
import { type ModelParams, scoreHousehold } from './repurchase-model.ts'

/**
 * One household's predictions at an as-of date, the same numbers `pantry predict --as-of` prints
 * for it, without streaming the whole population on every call. What predictLists computes from
 * the population (product and group priors, the household gate, the calibrator fitted on earlier
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
  readonly calibrator: StratifiedCalibrator
}

/** The population side of predictLists at `asOfDay`: passes 1 and 2 (seconds: every household's year is read). */
export async function fitPopulation(ctx: Ctx, settings: ModelSettings, asOfDay: number): Promise<PopulationFit> {
  const run = await openRun(ctx, settings)
  await ensureModels(ctx, run, [asOfDay, ...calibrationDays(settings, asOfDay)])
  const calibrator = await calibratorFor(ctx, run, asOfDay)
  const model = run.models.get(asOfDay)!
  // The earlier cutoffs' models and the calibration pools (megabytes of bins) are not kept.
  const kept: ModelRun = { settings, groupOf: run.groupOf, shoppers: new Map(), models: new Map([[asOfDay, model]]), pools: new Map() }
  return { asOfDay, run: kept, model, calibrator }
}

/** Pure: the household's top items under a fit, exactly as predictLists lists them ([] where it lists nothing). */
export function scoreWithFit(fit: PopulationFit, h: HouseholdRows, top: number): PredictedItem[] {
  const folded = fold(fit.run, h, fit.asOfDay)
  if (!inScope(fit.run, h.meta, folded)) return []
  const scored = scoreHousehold(folded.history, fit.model)
  if (!scored) return []
  // As scoreHouseholds: ranked by the calibrated probability, ties by the raw score.
  const items = scored
    .map((it) => ({ ...it, calibrated: calibrateStratified(fit.calibrator, it.p, it.k, it.cycleDays) }))
    .sort((a, b) => b.calibrated - a.calibrated || b.p - a.p)
  // As predictLists rounds them.
  return items.slice(0, top).map((it) => ({
    sku: it.sku,
    probability: Math.round(it.calibrated * 10_000) / 10_000,
    expectedDate: dayToIso(it.nextDay),
    cycleDays: Math.round(it.cycleDays * 10) / 10,
    lastPurchased: dayToIso(it.lastDay),
  }))
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
  /** Fits started so far (for logs and tests). */
  readonly fitsStarted: number
}

interface Entry {
  readonly promise: Promise<PopulationFit>
  fit: PopulationFit | undefined
  /** The highest basket id when the fit started: baskets above it are checked for late ones. */
  mark: number
}

/** Fits kept at most, least recently used dropped first (each holds a prior per product and group, and the calibration maps). */
export const DEFAULT_MAX_FITS = 8

/**
 * An in-process cache: one per app (profileRoutes makes it), so each server process fits a day
 * once and a test's app never sees another database's fit.
 */
export function createPopulationFits(maxFits = DEFAULT_MAX_FITS): PopulationFits {
  const entries = new Map<string, Entry>()
  let started = 0

  const start = (ctx: Ctx, key: string, settings: ModelSettings, asOfDay: number): Promise<PopulationFit> => {
    started += 1
    const fitting = (async () => {
      // The watermark is read before the fit, so a basket stored while fitting is checked later.
      const mark = await lastTransactionId(ctx.db)
      const t0 = performance.now()
      const fit = await fitPopulation(ctx, settings, asOfDay)
      ctx.log.info({ asOf: dayToIso(asOfDay), customers: settings.customers, ms: Math.round(performance.now() - t0) }, 'fitted the population model for household predictions')
      return { fit, mark }
    })()
    const entry: Entry = { promise: fitting.then((r) => r.fit), fit: undefined, mark: 0 }
    fitting.then(
      ({ fit, mark }) => Object.assign(entry, { fit, mark }),
      // A failed fit is not cached: the next call tries again (its callers get the error).
      () => entries.get(key) === entry && entries.delete(key),
    )
    entries.set(key, entry)
    for (const old of entries.keys()) {
      if (entries.size <= maxFits) break
      entries.delete(old)
    }
    return entry.promise
  }

  const stillCurrent = async (ctx: Ctx, e: Entry, asOfDay: number): Promise<boolean> => {
    const { top, late } = await basketsSince(ctx.db, e.mark, asOfDay)
    // Ids going backwards: the baskets were emptied and reloaded (a test database, a restore).
    return !late && top >= e.mark
  }

  return {
    get fitsStarted() {
      return started
    },
    async get(ctx, settings, asOfDay) {
      const key = `${asOfDay}|${JSON.stringify(settings)}`
      for (;;) {
        const e = entries.get(key)
        if (!e) return start(ctx, key, settings, asOfDay)
        entries.delete(key)
        entries.set(key, e)
        if (!e.fit) return e.promise
        if (await stillCurrent(ctx, e, asOfDay)) return e.fit
        // Stale: drop it unless another caller already replaced it, then look again.
        if (entries.get(key) === e) entries.delete(key)
      }
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
