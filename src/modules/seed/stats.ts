// Measures what the generator emitted (not its internal parameters), for `pantry seed --verbose`:
// the figures to compare with the Complete Journey ones (trip gaps, basket values, weekly spend)
// and the staple cycles as they show in the data. Household figures use carded trips only, as a
// model reading the database would see them.

import type { Basket, ChainSink } from './chain.ts'
import { COMPLETE_JOURNEY_REPEAT_CONCENTRATION, RepeatConcentration } from './concentration.ts'

/** Subcategories whose repurchase gaps the report shows: fast, medium and slow cycles. */
export const CYCLE_SUBCATEGORIES = [
  'FLUID MILK PRODUCTS',
  'TROPICAL FRUIT',
  'BAKED BREAD/BUNS/ROLLS',
  'COLD CEREAL',
  'COFFEE',
  'BATH TISSUES',
  'LAUNDRY DETERGENTS',
  'DOG FOODS',
  'DIAPERS & DISPOSABLES',
] as const

export interface Quartiles {
  q1: number
  median: number
  q3: number
}

export interface SeedReport {
  households: number
  shoppingHouseholds: number
  baskets: number
  lines: number
  cardlessBaskets: number
  returnLines: number
  storeBrandLineShare: number
  /** Quartiles over households (with ≥ 3 carded trips) of each one's median days between trips. */
  householdGapDays: Quartiles
  /** Quartiles of all days between consecutive carded trips. */
  pooledGapDays: Quartiles
  basketDollars: Quartiles
  /** Spend over the whole period divided by its weeks (late joiners and churners included). */
  weeklySpendDollars: { median: number; shareOver25: number }
  /** Median days between two purchases of the same product by the same household. */
  repurchaseGapDays: Record<string, number>
  /** Carded purchases of the last 365 days: see concentration.ts. */
  repeatConcentration: number
}

export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.min(sorted.length - 1, lo + 1)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export function quartiles(values: number[]): Quartiles {
  const s = Float64Array.from(values).sort()
  return { q1: quantile(s, 0.25), median: quantile(s, 0.5), q3: quantile(s, 0.75) }
}

interface Trips {
  days: number[]
  cents: number
}

export function statsSink(): ChainSink & { report(): SeedReport } {
  let days = 0
  const trips = new Map<number, Trips>()
  const basketCents: number[] = []
  const lastPurchase = new Map<string, number>()
  const cycleGaps = new Map<string, number[]>(CYCLE_SUBCATEGORIES.map((c) => [c, []]))
  let households = 0
  let lines = 0
  let cardless = 0
  let returns = 0
  let storeBrand = 0
  const concentration = new RepeatConcentration()
  const observe = (b: Basket) => {
    let cents = 0
    for (const l of b.lines) {
      cents += l.quantity * l.unitCents - l.discountCents
      if (l.quantity < 0) returns++
      if (l.product.brandType === 'store') storeBrand++
      const gaps = b.cardNumber !== null && l.quantity > 0 ? cycleGaps.get(l.product.subcategory) : undefined
      if (gaps) {
        const key = `${b.household.index}:${l.product.index}`
        const last = lastPurchase.get(key)
        if (last !== undefined) gaps.push(b.day - last)
        lastPurchase.set(key, b.day)
      }
    }
    lines += b.lines.length
    basketCents.push(cents)
    if (b.cardNumber === null) {
      cardless++
      return
    }
    if (b.day >= days - 365) for (const l of b.lines) if (l.quantity > 0) concentration.add(b.household.id, b.transactionId, l.product.sku)
    const t = trips.get(b.household.index) ?? trips.set(b.household.index, { days: [], cents: 0 }).get(b.household.index)!
    if (t.days[t.days.length - 1] !== b.day) t.days.push(b.day)
    t.cents += cents
  }
  return {
    begin: (info) => void (days = info.calendar.length),
    household: () => void households++,
    basket: observe,
    report: () => ({ ...summarise({ days, households, trips, basketCents, cycleGaps, lines, cardless, returns, storeBrand }), repeatConcentration: concentration.pooled() }),
  }
}

function summarise(s: {
  days: number
  households: number
  trips: Map<number, Trips>
  basketCents: number[]
  cycleGaps: Map<string, number[]>
  lines: number
  cardless: number
  returns: number
  storeBrand: number
}): Omit<SeedReport, 'repeatConcentration'> {
  const perHousehold: number[] = []
  const pooled: number[] = []
  const weekly: number[] = []
  for (const t of s.trips.values()) {
    const gaps = t.days.slice(1).map((d, i) => d - t.days[i]!)
    pooled.push(...gaps)
    if (gaps.length >= 2) perHousehold.push(quartiles(gaps).median)
    weekly.push(t.cents / 100 / (s.days / 7))
  }
  // households that never shopped spend nothing
  while (weekly.length < s.households) weekly.push(0)
  const b = quartiles(s.basketCents.map((c) => c / 100))
  return {
    households: s.households,
    shoppingHouseholds: s.trips.size,
    baskets: s.basketCents.length,
    lines: s.lines,
    cardlessBaskets: s.cardless,
    returnLines: s.returns,
    storeBrandLineShare: s.lines ? s.storeBrand / s.lines : 0,
    householdGapDays: quartiles(perHousehold),
    pooledGapDays: quartiles(pooled),
    basketDollars: b,
    weeklySpendDollars: { median: quartiles(weekly).median, shareOver25: weekly.filter((w) => w > 25).length / Math.max(1, weekly.length) },
    repurchaseGapDays: Object.fromEntries([...s.cycleGaps].filter(([, g]) => g.length > 0).map(([c, g]) => [c, quartiles(g).median])),
  }
}

const f1 = (x: number) => x.toFixed(1)
const pct = (x: number) => `${(x * 100).toFixed(1)} %`

/** The --verbose block, with the Complete Journey reference figures alongside. */
export function formatReport(r: SeedReport): string {
  const q = (x: Quartiles) => `${f1(x.q1)} / ${f1(x.median)} / ${f1(x.q3)}`
  const cycles = Object.entries(r.repurchaseGapDays).map(([c, d]) => `    ${c.padEnd(24)} ${f1(d)} days`)
  return [
    `households ${r.households} (${r.shoppingHouseholds} shopped with a card), baskets ${r.baskets}, lines ${r.lines}`,
    `cardless baskets ${pct(r.cardlessBaskets / Math.max(1, r.baskets))}, return lines ${r.returnLines}, store-brand lines ${pct(r.storeBrandLineShare)}`,
    `days between trips, per-household median, q1/median/q3: ${q(r.householdGapDays)}   (Complete Journey: 4.5 / 8 / 16.5)`,
    `days between trips, all gaps pooled,      q1/median/q3: ${q(r.pooledGapDays)}`,
    `basket value $, q1/median/q3: ${q(r.basketDollars)}   (Complete Journey median: about 27)`,
    `weekly spend $: median ${f1(r.weeklySpendDollars.median)}, households above $25/week ${pct(r.weeklySpendDollars.shareOver25)}   (Complete Journey: about half)`,
    `repeat concentration (two purchases of a household are the same product): ${r.repeatConcentration.toFixed(4)}   (Complete Journey: ${COMPLETE_JOURNEY_REPEAT_CONCENTRATION})`,
    'median days between repurchases of the same product:',
    ...cycles,
  ].join('\n')
}
