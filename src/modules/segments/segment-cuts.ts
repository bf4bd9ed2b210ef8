import type { Ctx } from '../../context.ts'
import { type AsOfMemo, createAsOfMemo } from '../predictions/as-of-memo.ts'
import { householdCategoryUnits, usageCuts } from './brand-units.repository.ts'
import { householdMeasures, type MeasuresRow, valueScores } from './segments.repository.ts'
import {
  asScore,
  brandLoyaltyOf,
  type SegmentParams,
  type Tier,
  TIERS,
  tierOf,
  trailingWeeks,
  usageOf,
} from './segments.model.ts'
import type { BrandSegment, HouseholdValue } from './segments.service.ts'

// One household's RFM, tier and usage tertiles without ranking the population on every request.
// RFM scores, tiers and tertiles are relative to the population, but each is monotone in the
// household's own measure (ties take the lowest bucket any of them drew, so equal values score
// equal and more never scores less). So the population can be reduced once per (as-of day,
// params) to cut points, "the least value that reaches score k", read off the population
// functions' own ranking (valueScores, brandUnits'); a household's measures, read from its own
// index range, then take the highest score whose cut point they reach. Since the household's
// value is one the population holds, that is the score the population function gives it:
// test/db/segments-cuts.test.ts compares every household of a seeded chain.

/** Cut points of the population as of the start of a UTC day. */
export interface SegmentCuts {
  /** The instant the cuts are as of: 00:00 UTC of the day. */
  readonly asOf: Date
  /** Least −recency_days (recency reversed: fewer days is better) scoring r ≥ 2, 3, 4, 5. */
  readonly recency: readonly number[]
  /** Least visits scoring f ≥ 2, 3, 4, 5. */
  readonly frequency: readonly number[]
  /** Least net spend (cents) scoring m ≥ 2, 3, 4, 5. */
  readonly monetary: readonly number[]
  /** Least net spend (cents) in iron or better, gold or better, platinum. */
  readonly tiers: readonly number[]
  /** Per subcategory: the fewest units in the medium tertile or higher, and in the high one. */
  readonly usage: ReadonlyMap<string, readonly number[]>
}

const DAY_MS = 86_400_000

/**
 * For a score from 1 to `top` that never decreases with `value`: the least value scoring at least
 * k, for k = 2..top (Infinity where nobody does).
 */
export function leastReaching<R>(rows: readonly R[], value: (r: R) => number, score: (r: R) => number, top: number): number[] {
  const least = Array.from({ length: top + 1 }, () => Infinity)
  for (const r of rows) least[score(r)] = Math.min(least[score(r)]!, value(r))
  for (let k = top - 1; k >= 2; k--) least[k] = Math.min(least[k]!, least[k + 1]!)
  return least.slice(2)
}

/** The score (1-based) of `value` against leastReaching's cut points: 1 + the cut points it reaches. */
export function scoreAt(cuts: readonly number[], value: number): number {
  let k = 1
  for (const c of cuts) if (value >= c) k++
  return k
}

/** Tier rank: lead 1, iron 2, gold 3, platinum 4 (never decreases with spend). */
const tierRank = (t: Tier) => TIERS.length - TIERS.indexOf(t)

/** The population side, as of 00:00 UTC of `asOfDay`: two set-based reads (the first profile of a day). */
export async function fitSegmentCuts(ctx: Ctx, p: SegmentParams, asOfDay: number): Promise<SegmentCuts> {
  const asOf = new Date(asOfDay * DAY_MS)
  const w = trailingWeeks(asOf, p.windowWeeks)
  const [values, usage] = await Promise.all([valueScores(ctx.db, w), usageCuts(ctx.db, w)])
  const byCategory = new Map<string, { tertile: number; units: number }[]>()
  for (const u of usage) {
    const rows = byCategory.get(u.category) ?? []
    rows.push({ tertile: u.tertile, units: u.min_units })
    byCategory.set(u.category, rows)
  }
  return {
    asOf,
    recency: leastReaching(values, (v) => -v.recency_days, (v) => v.r, 5),
    frequency: leastReaching(values, (v) => v.frequency, (v) => v.f, 5),
    monetary: leastReaching(values, (v) => v.monetary_cents, (v) => v.m, 5),
    tiers: leastReaching(values, (v) => v.monetary_cents, (v) => tierRank(tierOf(v.share_above, v.monetary_cents, p.pyramidCuts)), TIERS.length),
    usage: new Map([...byCategory].map(([c, rows]) => [c, leastReaching(rows, (r) => r.units, (r) => r.tertile, 3)])),
  }
}

/** Pure: a household's RFM and tier from its own measures, as householdValues gives them (without shareAbove). */
export function placeValue(cuts: SegmentCuts, m: MeasuresRow): Omit<HouseholdValue, 'shareAbove'> {
  const r = asScore(scoreAt(cuts.recency, -m.recency_days))
  const f = asScore(scoreAt(cuts.frequency, m.frequency))
  const mm = asScore(scoreAt(cuts.monetary, m.monetary_cents))
  // tierOf's own rule first: no positive net spend is lead whatever the cut points say.
  const tier = m.monetary_cents <= 0 ? 'lead' : TIERS[TIERS.length - scoreAt(cuts.tiers, m.monetary_cents)]!
  return {
    householdId: m.household_id,
    rfm: { r, f, m: mm, code: `${r}${f}${mm}` },
    recencyDays: m.recency_days,
    frequency: m.frequency,
    monetaryCents: m.monetary_cents,
    tier,
  }
}

/** Memoized cut points, one per (params, as-of day) (as-of-memo.ts: LRU, shared first computation, late-basket check). */
export type SegmentCutsMemo = AsOfMemo<SegmentParams, SegmentCuts>

export const DEFAULT_MAX_CUTS = 8

export function createSegmentCuts(maxEntries = DEFAULT_MAX_CUTS): SegmentCutsMemo {
  return createAsOfMemo({ maxEntries, compute: fitSegmentCuts, message: 'computed the segment cut points for household profiles' })
}

/**
 * One household's RFM and tier as of `cuts.asOf`: what householdValues({ asOf, householdId })
 * gives it, less shareAbove; undefined where that gives nothing (no visit in the window).
 */
export async function householdValueAt(ctx: Ctx, cuts: SegmentCuts, p: SegmentParams, householdId: number): Promise<Omit<HouseholdValue, 'shareAbove'> | undefined> {
  const m = await householdMeasures(ctx.db, trailingWeeks(cuts.asOf, p.windowWeeks), householdId)
  return m && placeValue(cuts, m)
}

/** One household's brand-loyalty × usage cells as of `cuts.asOf`: what brandSegments({ asOf, householdId }) gives. */
export async function householdSegmentsAt(ctx: Ctx, cuts: SegmentCuts, p: SegmentParams, householdId: number): Promise<BrandSegment[]> {
  const rows = await householdCategoryUnits(ctx.db, trailingWeeks(cuts.asOf, p.windowWeeks), householdId)
  const out: BrandSegment[] = []
  for (const r of rows) {
    const brandLoyalty = brandLoyaltyOf(r.national_units, r.store_units, p.brandLoyalShare)
    if (brandLoyalty === undefined) continue
    out.push({
      householdId,
      category: r.category,
      brandLoyalty,
      usage: usageOf(scoreAt(cuts.usage.get(r.category) ?? [], r.units)),
      units: r.units,
      nationalShare: r.national_units / r.units,
    })
  }
  return out
}
