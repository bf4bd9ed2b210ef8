import type { Ctx } from '../../context.ts'
import { ATTRIBUTE_RULES, type AttributeRules } from './attribute-rules.ts'
import { brandUnits, householdBrandUnits } from './brand-units.repository.ts'
import {
  attributeEvidence,
  type AttributeRow,
  householdSpend,
  qualifiedSpend,
  type ValueRow,
  valueScores,
} from './segments.repository.ts'
import {
  asScore,
  type BrandLoyalty,
  brandLoyaltyOf,
  DEFAULT_SEGMENT_PARAMS,
  ntileOf,
  qualifyingSpendCents,
  rfmCode,
  type Score,
  type SegmentParams,
  type Tier,
  tierOf,
  trailingDays,
  trailingWeeks,
  type Usage,
  usageOf,
  weeklySpendCents,
} from './segments.model.ts'

// Loyalty and segments as of an instant T: every function reads only lines with occurred_at < T,
// so a past date replays exactly (later baskets change nothing). Definitions: docs/segments.md.

export interface AsOf {
  readonly asOf: Date
  readonly params?: SegmentParams
}

export interface QualifiedHousehold {
  readonly householdId: number
  readonly externalId: string
  /** Net spend over [T − loyalWeeks, T). */
  readonly windowSpendCents: number
  readonly weeklySpendCents: number
}

/** Opted-in households that averaged at least the weekly threshold over the trailing weeks before T. */
export async function qualifiedHouseholds(ctx: Ctx, input: AsOf): Promise<QualifiedHousehold[]> {
  const p = input.params ?? DEFAULT_SEGMENT_PARAMS
  const rows = await qualifiedSpend(ctx.db, trailingWeeks(input.asOf, p.loyalWeeks), qualifyingSpendCents(p))
  return rows.map((r) => ({
    householdId: r.household_id,
    externalId: r.external_id,
    windowSpendCents: r.spend_cents,
    weeklySpendCents: weeklySpendCents(r.spend_cents, p.loyalWeeks),
  }))
}

/** One household's net spend over the loyalty window before T. */
export async function loyaltySpend(ctx: Ctx, householdId: number, input: AsOf): Promise<number> {
  const p = input.params ?? DEFAULT_SEGMENT_PARAMS
  return householdSpend(ctx.db, householdId, trailingWeeks(input.asOf, p.loyalWeeks))
}

export interface HouseholdValue {
  readonly householdId: number
  readonly rfm: { readonly r: Score; readonly f: Score; readonly m: Score; readonly code: string }
  readonly recencyDays: number
  readonly frequency: number
  readonly monetaryCents: number
  readonly tier: Tier
  readonly shareAbove: number
}

function toValue(row: ValueRow, p: SegmentParams): HouseholdValue {
  const [r, f, m] = [asScore(row.r), asScore(row.f), asScore(row.m)]
  return {
    householdId: row.household_id,
    rfm: { r, f, m, code: rfmCode(r, f, m) },
    recencyDays: row.recency_days,
    frequency: row.frequency,
    monetaryCents: row.monetary_cents,
    tier: tierOf(row.share_above, row.monetary_cents, p.pyramidCuts),
    shareAbove: row.share_above,
  }
}

/**
 * RFM quintiles and pyramid tier of every household with a purchase basket in the trailing
 * window before T (one pass); with `householdId`, that household alone but ranked against all.
 */
export async function householdValues(ctx: Ctx, input: AsOf & { householdId?: number }): Promise<HouseholdValue[]> {
  const p = input.params ?? DEFAULT_SEGMENT_PARAMS
  const rows = await valueScores(ctx.db, trailingWeeks(input.asOf, p.windowWeeks), input.householdId)
  return rows.map((r) => toValue(r, p))
}

/** RFM codes (111–555) as of T. */
export async function rfm(ctx: Ctx, input: AsOf & { householdId?: number }) {
  return (await householdValues(ctx, input)).map((v) => ({ householdId: v.householdId, ...v.rfm }))
}

/** Customer-pyramid tiers as of T, by share of spend. */
export async function pyramidTiers(ctx: Ctx, input: AsOf & { householdId?: number }) {
  return (await householdValues(ctx, input)).map((v) => ({ householdId: v.householdId, tier: v.tier, spendCents: v.monetaryCents }))
}

export interface BrandSegment {
  readonly householdId: number
  /** The product subcategory (Complete Journey product_category), e.g. FLUID MILK PRODUCTS. */
  readonly category: string
  readonly brandLoyalty: BrandLoyalty
  readonly usage: Usage
  readonly units: number
  readonly nationalShare: number
}

/**
 * Brand-loyalty × usage cells per (household, subcategory) as of T: everyone's (optionally in one
 * subcategory), or one household's ranked against every buyer of its subcategories.
 */
export async function brandSegments(ctx: Ctx, input: AsOf & { householdId?: number; category?: string }): Promise<BrandSegment[]> {
  const p = input.params ?? DEFAULT_SEGMENT_PARAMS
  const w = trailingWeeks(input.asOf, p.windowWeeks)
  const { householdId, category } = input
  const rows =
    householdId === undefined
      ? await brandUnits(ctx.db, w, category)
      : (await householdBrandUnits(ctx.db, w, householdId))
          .filter((r) => category === undefined || r.category === category)
          .map((r) => ({ ...r, household_id: householdId, tertile: ntileOf(r.below, r.buyers, 3) }))
  const out: BrandSegment[] = []
  for (const r of rows) {
    const brandLoyalty = brandLoyaltyOf(r.national_units, r.store_units, p.brandLoyalShare)
    if (brandLoyalty === undefined) continue
    out.push({
      householdId: r.household_id,
      category: r.category,
      brandLoyalty,
      usage: usageOf(r.tertile),
      units: r.units,
      nationalShare: r.national_units / r.units,
    })
  }
  return out
}

export interface HouseholdAttributes {
  readonly householdId: number
  readonly petOwner: boolean
  readonly baby: boolean
  readonly produceHeavy: boolean
  readonly evidence: {
    readonly trips: number
    readonly petTrips: number
    readonly babyTrips: number
    readonly produceShare: number
  }
}

export function toAttributes(row: AttributeRow, rules: AttributeRules): HouseholdAttributes {
  const produceShare = row.spend_cents > 0 ? Math.max(row.produce_cents, 0) / row.spend_cents : 0
  return {
    householdId: row.household_id,
    petOwner: row.pet_trips >= rules.pet.minTrips,
    baby: row.baby_trips >= rules.baby.minTrips,
    produceHeavy: row.trips >= rules.produce.minTrips && produceShare >= rules.produce.minShare,
    evidence: { trips: row.trips, petTrips: row.pet_trips, babyTrips: row.baby_trips, produceShare },
  }
}

/** Pet owner, baby, produce-heavy, inferred from the trailing days before T (attribute-rules.ts). */
export async function householdAttributes(
  ctx: Ctx,
  input: { asOf: Date; householdId?: number; rules?: AttributeRules },
): Promise<HouseholdAttributes[]> {
  const rules = input.rules ?? ATTRIBUTE_RULES
  const rows = await attributeEvidence(ctx.db, trailingDays(input.asOf, rules.windowDays), rules, input.householdId)
  return rows.map((r) => toAttributes(r, rules))
}
