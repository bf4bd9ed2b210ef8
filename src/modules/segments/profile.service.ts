import type { Ctx } from '../../context.ts'
import { badRequest, notFound } from '../../errors.ts'
import type { PredictedItem } from '../predictions/predictions.service.ts'
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
  input: { cardNumber: string; asOf?: string; params?: SegmentParams },
): Promise<ProfileDto> {
  const p = input.params ?? DEFAULT_SEGMENT_PARAMS
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
    topPredictions(ctx, id, asOf, PROFILE_PREDICTIONS),
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

/**
 * The household's top `n` predicted items as of T, each with its reason. Delegates to the
 * predictions service for the scores; that service scores whole populations only (predictLists
 * streams every household through a population fit), which is far too heavy per request, so
 * until it exports a per-household entry point this returns no items. Wiring it is one call:
 * explainPredictions(ctx, (await scoreOne(ctx, householdId, asOf)).slice(0, n), asOf).
 */
export async function topPredictions(_ctx: Ctx, _householdId: number, _asOf: Date, _n: number): Promise<ProfilePrediction[]> {
  return []
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
    reason: predictionReason(i, asOf),
  }))
}
