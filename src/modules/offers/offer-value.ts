import type { AllocationHousehold, ValueCurve, ValueModel } from './allocate.types.ts'
import type { BrandLoyalty, Reward, Usage, UsageMultipliers } from './offers.schemas.ts'

// Pure money and uplift arithmetic of the allocation (docs/offers.md, "Allocation"). Face values
// are integer cents; expectations are fractional cents.

/** Offer value a household may receive this cycle: explicit, by tier, or proportional to worth. */
export function householdBudgetCents(h: AllocationHousehold, curve: ValueCurve): number {
  if (h.budgetCents !== undefined) return Math.max(0, Math.floor(h.budgetCents))
  const byTier = h.tier === null ? undefined : curve.tierCents[h.tier]
  if (byTier !== undefined) return byTier
  if (curve.topWorthCents <= 0) return curve.topCents
  return Math.floor(curve.topCents * Math.min(1, Math.max(0, h.worthCents / curve.topWorthCents)))
}

/**
 * The reward for a household of the given usage. Amounts round down to 5 cents (a printed
 * "$1.35 off", not "$1.37"), never below the base amount; percentages round down; a fixed price
 * is not scaled (the schema refuses multipliers on it).
 */
export function scaleReward(reward: Reward, multipliers: UsageMultipliers | null, usage: Usage): Reward {
  const m = multipliers?.[usage] ?? 1
  if (m === 1) return reward
  switch (reward.kind) {
    case 'amount_off': {
      const scaled = Math.floor((reward.amountCents * m) / 5) * 5
      return { kind: 'amount_off', amountCents: Math.max(1, m > 1 ? Math.max(scaled, reward.amountCents) : scaled) }
    }
    case 'percent_off':
      return { kind: 'percent_off', percent: Math.min(100, Math.max(1, Math.floor(reward.percent * m))) }
    case 'fixed_price':
      return reward
  }
}

/**
 * Face value of one redemption: the most it can cost, which budgets count. One redemption applies
 * the reward once to `minQuantity` units: an amount off once, a percent off or fixed unit price to
 * each unit. Never more than the units cost. Null when it cannot be known (no price for a percent or
 * fixed-price reward) or is nothing (a fixed price at or above the usual price).
 */
export function faceValueCents(reward: Reward, priceCents: number | null, minQuantity: number): number | null {
  const units = priceCents === null ? null : priceCents * minQuantity
  let face: number | null
  switch (reward.kind) {
    case 'amount_off':
      face = units === null ? reward.amountCents : Math.min(reward.amountCents, units)
      break
    case 'percent_off':
      face = units === null ? null : Math.ceil((units * reward.percent) / 100)
      break
    case 'fixed_price':
      face = priceCents === null ? null : Math.max(0, priceCents - reward.priceCents) * minQuantity
      break
  }
  return face !== null && face > 0 ? face : null
}

export interface Outcome {
  /** P(the coupon is redeemed). */
  readonly redemption: number
  /** Expected incremental value to the store, cents. */
  readonly value: number
}

const marginOf = (m: ValueModel, brandType: 'national' | 'store' | null) => (brandType === null ? m.margin.other : m.margin[brandType])

/**
 * A plain offer on an item the household needs with probability p. The offer lifts the purchase
 * probability by liftStrength x depth x p(1 - p): nothing for an item bought anyway (p = 1, the
 * discount only subsidises it) or not needed (p = 0), most for the undecided. The value is the
 * margin on the lifted purchases.
 */
export function plainOutcome(m: ValueModel, p: number, face: number, unitsCents: number | null, brandType: 'national' | 'store' | null): Outcome {
  // Without a price, take a typical coupon depth of a quarter.
  const basis = unitsCents ?? face * 4
  const depth = Math.min(1, face / basis)
  const lift = Math.min(1 - p, m.liftStrength * depth * p * (1 - p))
  return { redemption: m.redeemRate * (p + lift), value: lift * basis * marginOf(m, brandType) }
}

export interface ConversionCase {
  /** P(the household buys the subcategory in the window) */
  readonly need: number
  readonly loyalty: BrandLoyalty
  readonly usage: Usage
  readonly face: number
  /** Price of the store-brand units and of the national item they replace. */
  readonly storeUnitsCents: number | null
  readonly nationalUnitsCents: number | null
}

/**
 * A store-brand conversion offer. Trial = need x min(1, trialStrength x depth) x loyaltyFactor; each
 * trial shifts one purchase from national to store-brand margin, and `retention` of the triers keep
 * buying it for `horizonCycles` at their usage rate, which is why heavy users are worth more. The
 * trial is the redemption: the coupon is why they try it.
 */
export function conversionOutcome(m: ValueModel, c: ConversionCase): Outcome {
  const cm = m.conversion
  const store = c.storeUnitsCents ?? c.face * 4
  const national = c.nationalUnitsCents ?? store
  const depth = Math.min(1, c.face / store)
  const trial = c.need * Math.min(1, cm.trialStrength * depth) * cm.loyaltyFactor[c.loyalty]
  const gain = store * m.margin.store - national * m.margin.national
  const kept = cm.retention * cm.purchasesPerCycle[c.usage] * cm.horizonCycles
  return { redemption: trial, value: trial * gain * (1 + kept) }
}

/** "$0.75" */
export const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`
