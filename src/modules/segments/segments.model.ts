import { type Config, envSchema } from '../../config.ts'

// Pure rules behind loyalty qualification, RFM, the customer pyramid and brand-loyalty segments.
// No database and no clock: the repository computes sums and ranks, these helpers name them.
// Definitions and sources: docs/segments.md.

export interface SegmentParams {
  /** Average weekly spend (cents) a household must reach to qualify for lists. */
  readonly loyalWeeklyCents: number
  /** Weeks the qualifying spend is averaged over: the window [T − weeks, T). */
  readonly loyalWeeks: number
  /** Weeks behind RFM frequency/monetary, pyramid tiers and brand segments: [T − weeks, T). */
  readonly windowWeeks: number
  /** Share of a category's units in one brand type that makes a household loyal to it. */
  readonly brandLoyalShare: number
  /** Cumulative shares of spend closing the platinum, gold and iron tiers. */
  readonly pyramidCuts: readonly [number, number, number]
}

export function segmentParams(config: Pick<Config, 'loyalty' | 'segments'>): SegmentParams {
  return Object.freeze({
    loyalWeeklyCents: config.loyalty.weeklyCents,
    loyalWeeks: config.loyalty.weeks,
    windowWeeks: config.segments.weeks,
    brandLoyalShare: config.segments.brandLoyalShare,
    pyramidCuts: config.segments.pyramidCuts,
  })
}

/** The documented defaults (the config schema's, for an empty environment), for callers given no Config. */
export const DEFAULT_SEGMENT_PARAMS: SegmentParams = defaults()

function defaults(): SegmentParams {
  const e = envSchema
    .pick({ PANTRY_LOYAL_WEEKLY_CENTS: true, PANTRY_LOYAL_WEEKS: true, PANTRY_SEGMENT_WEEKS: true, PANTRY_BRAND_LOYAL_SHARE: true, PANTRY_PYRAMID_CUTS: true })
    .parse({})
  return segmentParams({
    loyalty: { weeklyCents: e.PANTRY_LOYAL_WEEKLY_CENTS, weeks: e.PANTRY_LOYAL_WEEKS },
    segments: { weeks: e.PANTRY_SEGMENT_WEEKS, brandLoyalShare: e.PANTRY_BRAND_LOYAL_SHARE, pyramidCuts: e.PANTRY_PYRAMID_CUTS },
  })
}

/** A half-open time window [from, to). */
export interface Window {
  readonly from: Date
  readonly to: Date
}

const DAY_MS = 86_400_000

/** The `weeks` whole weeks before `asOf`, excluding `asOf` itself: [asOf − 7·weeks days, asOf). */
export function trailingWeeks(asOf: Date, weeks: number): Window {
  return { from: new Date(asOf.getTime() - weeks * 7 * DAY_MS), to: asOf }
}

export function trailingDays(asOf: Date, days: number): Window {
  return { from: new Date(asOf.getTime() - days * DAY_MS), to: asOf }
}

/**
 * Window spend a household needs to qualify. Comparing totals (not a rounded weekly average)
 * makes "exactly at the threshold" qualify without rounding surprises.
 */
export function qualifyingSpendCents(p: SegmentParams): number {
  return p.loyalWeeklyCents * p.loyalWeeks
}

export function weeklySpendCents(windowSpendCents: number, weeks: number): number {
  return Math.round(windowSpendCents / weeks)
}

export function isQualified(optedIn: boolean, windowSpendCents: number, p: SegmentParams): boolean {
  return optedIn && windowSpendCents >= qualifyingSpendCents(p)
}

export type Score = 1 | 2 | 3 | 4 | 5

/** The classical RFM cell code, e.g. 545 (research notes §3.2): concatenated quintiles, 5 best. */
export function rfmCode(r: Score, f: Score, m: Score): string {
  return `${r}${f}${m}`
}

export const TIERS = ['platinum', 'gold', 'iron', 'lead'] as const
export type Tier = (typeof TIERS)[number]

/**
 * Customer-pyramid tier (Zeithaml, Rust & Lemon 2001) from the share of total spend made by
 * households that spent strictly more (`shareAbove`): a household is platinum while the
 * households above it have not yet made up the first cut of spend, and so on. Ties share a tier.
 * A household with no positive net spend is lead whatever its rank.
 */
export function tierOf(shareAbove: number, spendCents: number, cuts: readonly [number, number, number]): Tier {
  if (spendCents <= 0) return 'lead'
  if (shareAbove < cuts[0]) return 'platinum'
  if (shareAbove < cuts[1]) return 'gold'
  if (shareAbove < cuts[2]) return 'iron'
  return 'lead'
}

export const BRAND_LOYALTIES = ['national-loyal', 'store-loyal', 'swing'] as const
export type BrandLoyalty = (typeof BRAND_LOYALTIES)[number]

// Unit counts are numeric(12,3) sums: a hair of float error must not flip an exact 80/20 split.
const SHARE_EPSILON = 1e-9

/**
 * Brand loyalty in one category from net units bought per brand type (returns already netted,
 * negatives clamped to 0). Undefined when the household has no net units there.
 */
export function brandLoyaltyOf(nationalUnits: number, storeUnits: number, loyalShare: number): BrandLoyalty | undefined {
  const national = Math.max(nationalUnits, 0)
  const store = Math.max(storeUnits, 0)
  const total = national + store
  if (total <= 0) return undefined
  if (national / total >= loyalShare - SHARE_EPSILON) return 'national-loyal'
  if (store / total >= loyalShare - SHARE_EPSILON) return 'store-loyal'
  return 'swing'
}

export const USAGES = ['low', 'medium', 'high'] as const
export type Usage = (typeof USAGES)[number]

/** Usage level from the 1-based tertile (ntile(3) over a category's buyers by units). */
export function usageOf(tertile: number): Usage {
  return USAGES[Math.min(Math.max(Math.trunc(tertile), 1), 3) - 1]!
}

/**
 * The bucket PostgreSQL's ntile(buckets) gives the row at 0-based `position` of `n` rows: the
 * first n mod buckets buckets hold one row more. With position = the number of strictly smaller
 * values this is the lowest bucket of a group of ties, as the window-function queries assign.
 */
export function ntileOf(position: number, n: number, buckets: number): number {
  const size = Math.floor(n / buckets)
  const bigOnes = n % buckets
  const inBig = bigOnes * (size + 1)
  if (position < inBig) return Math.floor(position / (size + 1)) + 1
  return Math.floor((position - inBig) / size) + bigOnes + 1
}

export function asScore(n: number): Score {
  return Math.min(Math.max(Math.trunc(n), 1), 5) as Score
}
