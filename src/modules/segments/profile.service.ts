import type { Ctx } from '../../context.ts'
import { AppError, badRequest, notFound } from '../../errors.ts'
import { createPopulationFits, type PopulationFit, type PopulationFits, predictHousehold } from '../predictions/household-scorer.ts'
import { DEFAULT_SETTINGS, type ModelSettings, type PredictedItem } from '../predictions/predictions.service.ts'
import { MS_PER_DAY } from '../predictions/predictions.repository.ts'
import { predictionReason } from './prediction-reason.ts'
import { createSegmentCuts, householdSegmentsAt, householdValueAt, type SegmentCuts, type SegmentCutsMemo } from './segment-cuts.ts'
import { householdByCard, productNames } from './segments.repository.ts'
import { DEFAULT_SEGMENT_PARAMS, isQualified, type SegmentParams, weeklySpendCents } from './segments.model.ts'
import type { ProfileDto } from './segments.schemas.ts'
import { householdAttributes, loyaltySpend } from './segments.service.ts'

/** Predictions shown on a profile. */
export const PROFILE_PREDICTIONS = 10

export type ProfilePrediction = ProfileDto['predictions'][number]

/**
 * Everything the list service knows about one card's household as of T, the start (00:00 UTC) of
 * asOf's day (default: the clock's day): loyalty qualification, RFM, pyramid tier, brand-loyalty
 * cells, inferred attributes and the top predictions with their reasons. Only purchases before T
 * are read, so a past T replays exactly. The population side (the prediction model's fit; the
 * RFM, tier and usage cut points) is computed by the first profile of a day and kept in `model`;
 * every profile then reads only the household's own index ranges. A profile that finds the day's
 * population still being fitted after `model.waitMs` answers 503 with Retry-After (the fit goes on).
 */
export async function householdProfile(
  ctx: Ctx,
  input: { cardNumber: string; asOf?: string; params?: SegmentParams; predictions?: ProfileModel },
): Promise<ProfileDto> {
  const p = input.params ?? DEFAULT_SEGMENT_PARAMS
  const model = input.predictions ?? createProfileModel(defaultModelSettings(p), 1)
  const asOfDay = resolveAsOfDay(ctx, input.asOf)
  const asOf = new Date(asOfDay * MS_PER_DAY)
  const hh = await householdByCard(ctx.db, input.cardNumber)
  if (!hh) throw notFound(`no household has card ${input.cardNumber}`)
  const id = hh.household_id
  const { fit, cuts } = await populationOf(ctx, model, p, asOfDay)
  // Independent reads of the household's own rows: run them side by side on the pool.
  const [spend, v, segments, attributes, predictions] = await Promise.all([
    loyaltySpend(ctx, id, { asOf, params: p }),
    householdValueAt(ctx, cuts, p, id),
    householdSegmentsAt(ctx, cuts, p, id),
    householdAttributes(ctx, { asOf, householdId: id }),
    topPredictions(ctx, { ...model, fits: fixedFit(fit) }, { householdId: id, asOf, n: PROFILE_PREDICTIONS }),
  ])
  const a = attributes[0]
  return {
    cardNumber: input.cardNumber,
    householdId: hh.external_id,
    asOf: asOf.toISOString(),
    optedIn: hh.opted_in,
    qualified: isQualified(hh.opted_in, spend, p),
    weeklySpendCents: weeklySpendCents(spend, p.loyalWeeks),
    rfm: v ? { ...v.rfm, recencyDays: v.recencyDays, frequency: v.frequency, monetaryCents: v.monetaryCents } : null,
    tier: v?.tier ?? null,
    segments: segments.map((s) => ({
      category: s.category,
      brandLoyalty: s.brandLoyalty,
      usage: s.usage,
      units: s.units,
      nationalShare: s.nationalShare,
    })),
    attributes: a
      ? { petOwner: a.petOwner, baby: a.baby, produceHeavy: a.produceHeavy, evidence: a.evidence }
      : { petOwner: false, baby: false, produceHeavy: false, evidence: { trips: 0, petTrips: 0, babyTrips: 0, produceShare: 0 } },
    predictions,
  }
}

/** `asOf` (YYYY-MM-DD, validated by the route) names a UTC day, default the clock's; it may not be in the future. */
function resolveAsOfDay(ctx: Ctx, asOf: string | undefined): number {
  const now = ctx.now()
  if (asOf === undefined) return Math.floor(now.getTime() / MS_PER_DAY)
  const t = new Date(`${asOf}T00:00:00Z`)
  if (t.getTime() > now.getTime()) {
    throw badRequest(`asOf ${asOf} is in the future; a profile replays the past`, [{ field: 'querystring.asOf', message: 'must not be in the future' }])
  }
  return Math.floor(t.getTime() / MS_PER_DAY)
}

/** The population side of a profile: the prediction model's settings, and the app's memoized fits and cut points. */
export interface ProfileModel {
  readonly settings: ModelSettings
  readonly fits: PopulationFits
  readonly cuts: SegmentCutsMemo
  /** How long a profile waits for a day's population fits before answering 503 (default: as long as they take). */
  readonly waitMs?: number
}

/** A model with empty caches (up to `maxDays` days each). */
export function createProfileModel(settings: ModelSettings, maxDays?: number, waitMs?: number): ProfileModel {
  return { settings, fits: createPopulationFits(maxDays), cuts: createSegmentCuts(maxDays), waitMs }
}

/** Seconds a client is asked to wait (Retry-After) while the day's population is being fitted. */
export const FITTING_RETRY_AFTER_S = 15

/** The day's population fit and cut points, waiting at most `model.waitMs` for them (then 503; the fits go on). */
async function populationOf(ctx: Ctx, model: ProfileModel, p: SegmentParams, asOfDay: number): Promise<{ fit: PopulationFit; cuts: SegmentCuts }> {
  const both = Promise.all([model.fits.get(ctx, model.settings, asOfDay), model.cuts.get(ctx, p, asOfDay)])
  if (model.waitMs === undefined) {
    const [fit, cuts] = await both
    return { fit, cuts }
  }
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), model.waitMs)
  })
  try {
    // race() subscribes to `both`, so a fit failing after this request gave up is not unhandled.
    let got = await Promise.race([both, late])
    // Only a fit still running is worth a 503; a fit already made was just being checked for late baskets.
    if (got === 'late' && !model.fits.computing(model.settings, asOfDay) && !model.cuts.computing(p, asOfDay)) got = await both
    if (got === 'late') {
      const day = new Date(asOfDay * MS_PER_DAY).toISOString().slice(0, 10)
      throw new AppError(503, 'POPULATION_FITTING', 'Service unavailable', `the population for ${day} is being fitted (the first profile of a day); retry in ${FITTING_RETRY_AFTER_S} s`, {
        headers: { 'retry-after': String(FITTING_RETRY_AFTER_S) },
      })
    }
    return { fit: got[0], cuts: got[1] }
  } finally {
    clearTimeout(timer)
  }
}

/** The fit this request already got, so predictHousehold does not check it a second time. */
function fixedFit(fit: PopulationFit): PopulationFits {
  return { get: async () => fit, computing: () => false, fitsStarted: 0 }
}

/**
 * Computes the population side of `asOfDay`'s profiles (a server warming today's at start and at
 * each UTC day change, so no profile waits for it). Logs, and never rejects: a failure is logged
 * and the first profile of the day fits again.
 */
export async function warmProfiles(ctx: Ctx, model: ProfileModel, p: SegmentParams, asOfDay: number): Promise<void> {
  const t0 = performance.now()
  const day = new Date(asOfDay * MS_PER_DAY).toISOString().slice(0, 10)
  ctx.log.info({ asOf: day }, 'warming the profile population fits')
  try {
    await Promise.all([model.fits.get(ctx, model.settings, asOfDay), model.cuts.get(ctx, p, asOfDay)])
    ctx.log.info({ asOf: day, ms: Math.round(performance.now() - t0) }, 'profile population fits ready')
  } catch (err) {
    ctx.log.error({ err, asOf: day }, 'warming the profile population fits failed; the first profile of the day fits again')
  }
}

/** The printed lists' model (loyal customers) under these loyalty thresholds, for an app given no Config. */
export function defaultModelSettings(p: SegmentParams): ModelSettings {
  return { ...DEFAULT_SETTINGS, customers: 'loyal', loyalty: { weeklyCents: p.loyalWeeklyCents, weeks: p.loyalWeeks } }
}

/**
 * The household's top `n` predicted items as of the start of T's UTC day, each with its reason:
 * what `pantry predict --as-of <that day>` prints for it (the list model's scope, so a household
 * that would get no list line gets none here). The first call for a day fits the population
 * (seconds); later ones reuse the fit and read only this household's history.
 */
export async function topPredictions(ctx: Ctx, model: ProfileModel, input: { householdId: number; asOf: Date; n: number }): Promise<ProfilePrediction[]> {
  const asOfDay = Math.floor(input.asOf.getTime() / MS_PER_DAY)
  const items = await predictHousehold(ctx, model.fits, { settings: model.settings, householdId: input.householdId, asOfDay, top: input.n })
  return explainPredictions(ctx, items, input.asOf)
}

/** Adds product names and the shopper-words reason to predicted items (order kept). */
export async function explainPredictions(ctx: Ctx, items: readonly PredictedItem[], asOf: Date): Promise<ProfilePrediction[]> {
  if (items.length === 0) return []
  const names = await productNames(ctx.db, items.map((i) => i.sku))
  return items.map((i) => ({
    sku: i.sku,
    name: names.get(i.sku) ?? i.sku,
    probability: i.probability,
    expectedDate: i.expectedDate,
    cycleDays: i.cycleDays,
    lastPurchased: i.lastPurchased,
    reason: predictionReason(i, asOf),
  }))
}
