import type { Ctx } from '../../context.ts'
import { badRequest, notFound } from '../../errors.ts'
import { createPopulationFits, type PopulationFits, predictHousehold } from '../predictions/household-scorer.ts'
import { DEFAULT_SETTINGS, type ModelSettings, type PredictedItem } from '../predictions/predictions.service.ts'
import { MS_PER_DAY } from '../predictions/predictions.repository.ts'
import { predictionReason } from './prediction-reason.ts'
import { householdByCard, productNames } from './segments.repository.ts'
import { DEFAULT_SEGMENT_PARAMS, isQualified, type SegmentParams, weeklySpendCents } from './segments.model.ts'
import type { ProfileDto } from './segments.schemas.ts'
import { brandSegments, householdAttributes, householdValues, loyaltySpend } from './segments.service.ts'

/** Predictions shown on a profile. */
export const PROFILE_PREDICTIONS = 10

export type ProfilePrediction = ProfileDto['predictions'][number]

/**
 * Everything the list service knows about one card's household as of T (default: now): loyalty
 * qualification, RFM, pyramid tier, brand-loyalty cells, inferred attributes and the top
 * predictions with their reasons. Only purchases before T are read, so a past T replays exactly.
 */
export async function householdProfile(
  ctx: Ctx,
  input: { cardNumber: string; asOf?: string; params?: SegmentParams; predictions?: ProfileModel },
): Promise<ProfileDto> {
  const p = input.params ?? DEFAULT_SEGMENT_PARAMS
  const model = input.predictions ?? { settings: defaultModelSettings(p), fits: createPopulationFits(1) }
  const asOf = resolveAsOf(ctx, input.asOf)
  const hh = await householdByCard(ctx.db, input.cardNumber)
  if (!hh) throw notFound(`no household has card ${input.cardNumber}`)
  const id = hh.household_id
  // Independent reads: run them side by side on the pool.
  const [spend, values, segments, attributes, predictions] = await Promise.all([
    loyaltySpend(ctx, id, { asOf, params: p }),
    householdValues(ctx, { asOf, params: p, householdId: id }),
    brandSegments(ctx, { asOf, params: p, householdId: id }),
    householdAttributes(ctx, { asOf, householdId: id }),
    topPredictions(ctx, model, { householdId: id, asOf, n: PROFILE_PREDICTIONS }),
  ])
  const v = values[0]
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

/** `asOf` (YYYY-MM-DD, validated by the route) is the start of that UTC day; it may not be in the future. */
function resolveAsOf(ctx: Ctx, asOf: string | undefined): Date {
  const now = ctx.now()
  if (asOf === undefined) return now
  const t = new Date(`${asOf}T00:00:00Z`)
  if (t.getTime() > now.getTime()) {
    throw badRequest(`asOf ${asOf} is in the future; a profile replays the past`, [{ field: 'querystring.asOf', message: 'must not be in the future' }])
  }
  return t
}

/** The model behind a profile's predictions: its settings and the app's memoized population fits. */
export interface ProfileModel {
  readonly settings: ModelSettings
  readonly fits: PopulationFits
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
