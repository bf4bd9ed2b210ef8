import type { OfferReward } from '../lists/list.types.ts'
import type { BrandLoyalty, OfferTarget, Reward, Targeting, Usage, UsageMultipliers } from './offers.schemas.ts'

// Inputs and outputs of the pure offer allocation (allocate.ts). Everything it needs is passed in:
// no database, no clock. Days are 'YYYY-MM-DD' strings (they compare as text); money is cents.

/** The cycle's first and last day, inclusive. */
export interface CycleWindow {
  readonly start: string
  readonly end: string
}

export interface ProductInfo {
  readonly sku: string
  readonly brand: string | null
  readonly category: string | null
  readonly subcategory: string | null
  readonly brandType: 'national' | 'store' | null
  /** Usual shelf price of one unit; null when unknown. */
  readonly priceCents: number | null
}

/** An item the household is predicted to need in the window. */
export interface CandidateItem extends ProductInfo {
  /** P(the household buys it in the window), from the repurchase model. */
  readonly probability: number
  /** The household's own expected purchase day. */
  readonly expectedDate: string
}

export interface SegmentCell {
  readonly brandLoyalty: BrandLoyalty
  readonly usage: Usage
}

export interface AllocationHousehold {
  readonly householdId: string
  /** What the household is worth to the store per cycle (its spend); sets its offer-value budget. */
  readonly worthCents: number
  readonly tier: string | null
  /** Explicit offer-value budget for this cycle; overrides the curve. */
  readonly budgetCents?: number
  /** Brand loyalty x usage, by subcategory. */
  readonly cells: Readonly<Record<string, SegmentCell>>
  readonly attributes: Readonly<Record<string, string | number | boolean | null>>
  readonly candidates: readonly CandidateItem[]
  /** Instances of each offer the household received in earlier cycles (per-household limit). */
  readonly issuedBefore?: Readonly<Record<string, number>>
}

export interface AllocationOffer {
  readonly id: string
  readonly funderId: string
  readonly title: string
  readonly target: OfferTarget
  readonly reward: Reward
  readonly minQuantity: number
  /** null = the cycle's dates */
  readonly validFrom: string | null
  readonly validTo: string | null
  readonly perHouseholdLimit: number
  /** Budget left in face value / instances (budget minus issued); null = unlimited. */
  readonly remainingCents: number | null
  readonly remainingCount: number | null
  /** The funder's part of the face value, in basis points. */
  readonly funderShareBp: number
  readonly targeting: Targeting
  readonly conversion: { readonly fromBrandType: 'national' } | null
  readonly usageMultipliers: UsageMultipliers | null
}

export interface AllocationFunder {
  readonly id: string
  /** What is left of the funder's cap this cycle, in its share of face value; null = no cap. */
  readonly remainingCapCents: number | null
}

/** Offer value a household gets per cycle, proportional to its worth up to the top tier. */
export interface ValueCurve {
  /** Budget of a top household (the case: $30-40 a cycle). */
  readonly topCents: number
  /** Worth per cycle from which a household gets the full `topCents`; below, proportionally less. */
  readonly topWorthCents: number
  /** Fixed budgets by tier name, for chains that set them per tier; they win over the curve. */
  readonly tierCents: Readonly<Record<string, number>>
}

/** The uplift model (docs/offers.md). Defaults are priors to be replaced by hold-out measurements. */
export interface ValueModel {
  /** Share of households buying an offered item who hand the coupon in. */
  readonly redeemRate: number
  /** lift = liftStrength x depth x p x (1 - p), depth = discount / price. */
  readonly liftStrength: number
  /** Gross margin rate by brand type. */
  readonly margin: { readonly national: number; readonly store: number; readonly other: number }
  /** Below this need probability no offer is attached (the offer would not meet a purchase). */
  readonly minNeed: number
  /** At or above it, no plain offer is attached: the household buys the item anyway. */
  readonly sureNeed: number
  readonly conversion: {
    /** trial = need x min(1, trialStrength x depth) x loyaltyFactor */
    readonly trialStrength: number
    readonly loyaltyFactor: Readonly<Record<BrandLoyalty, number>>
    /** Share of households who try the store brand and keep buying it. */
    readonly retention: number
    /** Cycles over which a kept switch is counted. */
    readonly horizonCycles: number
    /** Purchases of the subcategory per cycle by usage level. */
    readonly purchasesPerCycle: Readonly<Record<Usage, number>>
  }
}

export interface AllocationParams {
  /** What the greedy maximizes per dollar of face value. */
  readonly objective: 'incremental-value' | 'redemptions'
  readonly valueCurve: ValueCurve
  /** Printed offers per household at most (Kroger's mailer carries 12 coupons). */
  readonly maxOffersPerHousehold: number
  /** Options kept per household, best first (bounds memory on large populations). */
  readonly maxOptionsPerHousehold: number
  /** Reward multipliers for conversion offers that do not set their own. */
  readonly conversionMultipliers: UsageMultipliers
  readonly model: ValueModel
}

export interface AllocationParamsInput {
  readonly objective?: AllocationParams['objective']
  readonly valueCurve?: Partial<ValueCurve>
  readonly maxOffersPerHousehold?: number
  readonly maxOptionsPerHousehold?: number
  readonly conversionMultipliers?: UsageMultipliers
  readonly model?: Partial<Omit<ValueModel, 'conversion'>> & { readonly conversion?: Partial<ValueModel['conversion']> }
}

export interface AllocationInput {
  readonly cycle: CycleWindow
  readonly households: readonly AllocationHousehold[]
  readonly offers: readonly AllocationOffer[]
  /** Funders not listed have no cap. */
  readonly funders: readonly AllocationFunder[]
  /** Catalog entries of the store-brand products that conversion offers target. */
  readonly products: readonly ProductInfo[]
  readonly params?: AllocationParamsInput
}

export interface Assignment {
  readonly householdId: string
  /** The item the offer is printed on (for a conversion offer: the store-brand product). */
  readonly sku: string
  readonly offerId: string
  readonly funderId: string
  readonly kind: 'offer' | 'conversion'
  /** The reward as printed (scaled for the household's usage). */
  readonly reward: OfferReward
  readonly minQuantity: number
  /** Face value: the most one redemption can cost; what budgets and caps count. */
  readonly valueCents: number
  /** The funder's part of the face value, rounded up. */
  readonly funderCents: number
  readonly redemptionProbability: number
  /** Expected cost = redemption probability x face value (cents, fractional). */
  readonly expectedCostCents: number
  /** Expected incremental value to the store (cents, fractional). */
  readonly expectedValueCents: number
  readonly expectedDate: string
  readonly validFrom: string
  readonly expiresOn: string
  /** Shopper-facing reason for conversion offers ("Try our store brand: save $0.75"), else null. */
  readonly reason: string | null
  /** Conversion offers: the national-brand items whose need it converts. */
  readonly convertsFrom: readonly string[]
}

export interface AllocationResult {
  /** Sorted by household id, then SKU. */
  readonly assignments: readonly Assignment[]
  readonly households: readonly { readonly householdId: string; readonly budgetCents: number; readonly allocatedCents: number }[]
  readonly offers: readonly { readonly offerId: string; readonly issuedCents: number; readonly issuedCount: number }[]
  readonly funders: readonly { readonly funderId: string; readonly issuedCents: number }[]
}

export const DEFAULT_ALLOCATION_PARAMS: AllocationParams = {
  objective: 'incremental-value',
  valueCurve: { topCents: 3_500, topWorthCents: 30_000, tierCents: {} },
  maxOffersPerHousehold: 12,
  maxOptionsPerHousehold: 60,
  conversionMultipliers: { low: 1, medium: 1.5, high: 2 },
  model: {
    redeemRate: 0.7,
    liftStrength: 1,
    margin: { national: 0.25, store: 0.4, other: 0.3 },
    minNeed: 0.05,
    sureNeed: 0.9,
    conversion: {
      trialStrength: 1,
      loyaltyFactor: { 'national-loyal': 1, swing: 0.5, 'store-loyal': 0 },
      retention: 0.3,
      horizonCycles: 13,
      purchasesPerCycle: { low: 0.5, medium: 1, high: 2 },
    },
  },
}

export function resolveParams(p: AllocationParamsInput = {}): AllocationParams {
  const d = DEFAULT_ALLOCATION_PARAMS
  return {
    objective: p.objective ?? d.objective,
    valueCurve: { ...d.valueCurve, ...p.valueCurve },
    maxOffersPerHousehold: p.maxOffersPerHousehold ?? d.maxOffersPerHousehold,
    maxOptionsPerHousehold: p.maxOptionsPerHousehold ?? d.maxOptionsPerHousehold,
    conversionMultipliers: p.conversionMultipliers ?? d.conversionMultipliers,
    model: { ...d.model, ...p.model, conversion: { ...d.model.conversion, ...p.model?.conversion } },
  }
}
