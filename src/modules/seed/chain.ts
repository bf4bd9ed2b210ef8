// The chain simulation: a pure, synchronous, streaming generator. Days run in order; each day
// the households due for a trip build a basket (staples that are due, plus unplanned items), the
// day's baskets are sorted by time and numbered per store and lane, and handed to the sink. Memory
// stays at the households' state whatever the number of days.

import { type SeedDay, buildCalendar, localTimestamp } from './calendar.ts'
import { type Catalog, type Product, loadCatalog } from './catalog.ts'
import { type Household, type HouseholdContext, MODEL, createHousehold } from './households.ts'
import { WeightedTable, hashUnit } from './prng.ts'
import { type SeedStore, buildStores } from './population.ts'
import { buildBasketLines } from './trip.ts'

export interface ChainOptions {
  readonly households: number
  readonly days: number
  readonly seed: number
  /** 'YYYY-MM-DD': the data covers the `days` days before it (end excluded). */
  readonly end: string
  readonly stores: number
}

export interface BasketLine {
  readonly product: Product
  /** Negative for a returned item. */
  readonly quantity: number
  readonly unitCents: number
  /** Total discount on the line (all units), in cents. */
  readonly discountCents: number
}

export interface Basket {
  transactionId: string
  readonly store: SeedStore
  readonly lane: number
  readonly cardNumber: string | null
  readonly household: Household
  readonly day: number
  readonly seconds: number
  occurredAt: string
  readonly lines: readonly BasketLine[]
}

export interface ChainSink {
  begin?(info: { products: readonly Product[]; stores: readonly SeedStore[]; calendar: readonly SeedDay[] }): void
  household?(h: Household): void
  basket?(b: Basket): void
  /** Called after each simulated day (for progress). */
  dayDone?(day: number, days: number): void
}

export interface ChainTotals {
  households: number
  baskets: number
  lines: number
}

/** Runs the simulation, calling the sink for every household and basket. Same options → same calls. */
export function generateChain(opts: ChainOptions, sink: ChainSink, catalog: Catalog = loadCatalog()): ChainTotals {
  const calendar = buildCalendar(opts.end, opts.days)
  const stores = buildStores(opts.stores)
  sink.begin?.({ products: catalog.products, stores, calendar })
  const ctx: HouseholdContext = {
    seed: opts.seed,
    days: opts.days,
    stores,
    storeWeights: new WeightedTable(stores.map((_, i) => 1 / Math.sqrt(i + 1))),
    catalog,
  }
  const queue: number[][] = Array.from({ length: opts.days }, () => [])
  const households: Household[] = []
  for (let i = 0; i < opts.households; i++) {
    const h = createHousehold(i, ctx)
    households.push(h)
    sink.household?.(h)
    const first = firstTrip(h, calendar)
    if (first < Math.min(h.lastDay, opts.days)) queue[first]!.push(i)
  }
  const totals: ChainTotals = { households: opts.households, baskets: 0, lines: 0 }
  const promo = promoSchedule(opts.seed, catalog)
  for (let day = 0; day < opts.days; day++) {
    const baskets: Basket[] = []
    for (const i of queue[day]!) {
      const h = households[i]!
      const basket = trip(h, day, calendar[day]!, stores, catalog, promo)
      if (basket) baskets.push(basket)
      const next = nextTrip(h, day, calendar)
      if (next < Math.min(h.lastDay, opts.days)) queue[next]!.push(i)
    }
    queue[day] = []
    emitDay(baskets, calendar[day]!, sink, totals)
    sink.dayDone?.(day + 1, opts.days)
  }
  return totals
}

/** Weekly promotions: about 8 % of products each week, 15–35 % off, card holders only. */
export interface PromoSchedule {
  discountCents(product: Product, week: number): number
}

function promoSchedule(seed: number, catalog: Catalog): PromoSchedule {
  return {
    discountCents(product, week) {
      if (hashUnit(seed, product.index, week) >= 0.08) return 0
      const share = 0.15 + 0.2 * hashUnit(seed ^ 0x2545f491, product.index, week)
      return Math.max(1, Math.round(product.priceCents * share))
    },
  }
}

function firstTrip(h: Household, calendar: readonly SeedDay[]): number {
  return openDay(h.firstDay + Math.floor(h.rng.next() * Math.min(h.meanGap, 14)), calendar)
}

/** Gamma-distributed gap around the household's mean; sometimes moved to its usual weekday. */
function nextTrip(h: Household, day: number, calendar: readonly SeedDay[]): number {
  let next = day + Math.max(1, Math.round(h.rng.gamma(MODEL.gapShape, h.meanGap / MODEL.gapShape)))
  if (h.rng.chance(h.routine)) {
    const weekday = (calendar[0]!.weekday + next) % 7
    let shift = (h.preferredWeekday - weekday + 7) % 7
    if (shift > 3) shift -= 7
    if (next + shift > day) next += shift
  }
  return openDay(next, calendar)
}

function openDay(day: number, calendar: readonly SeedDay[]): number {
  return day < calendar.length && calendar[day]!.closed ? day + 1 : day
}

const LANES = new WeightedTable([16, 14, 12, 10, 8, 6, 4, 3])

function trip(h: Household, day: number, date: SeedDay, stores: readonly SeedStore[], catalog: Catalog, promo: PromoSchedule): Basket | undefined {
  const rng = h.rng
  const store = rng.chance(MODEL.homeStoreShare) || stores.length === 1 ? stores[h.homeStore]! : rng.pick(stores)
  // A few per cent of trips without the card (forgotten); two-card households alternate.
  const cardNumber = rng.chance(0.03) ? null : h.cards.length > 1 && rng.chance(0.4) ? h.cards[1]! : h.cards[0]!
  const seconds = Math.floor(tripHour(h.preferredHour + 1.5 * rng.normal()) * 3600)
  const lines = buildBasketLines(h, day, date.promoWeek, catalog, promo, cardNumber !== null)
  if (lines.length === 0) return undefined
  return { transactionId: '', store, lane: LANES.draw(rng) + 1, cardNumber, household: h, day, seconds, occurredAt: '', lines }
}

/** Reflects a drawn hour back into opening hours (7:00–22:00) instead of piling trips at the door. */
function tripHour(hour: number): number {
  const open = 7
  const close = 22
  const reflected = hour < open ? 2 * open - hour : hour >= close ? 2 * close - hour : hour
  return Math.min(close - 1 / 3600, Math.max(open, reflected))
}

/** Sorts the day's baskets by time and numbers them per store and lane: `S1-20260314-3-0042`. */
function emitDay(baskets: Basket[], date: SeedDay, sink: ChainSink, totals: ChainTotals): void {
  baskets.sort((a, b) => a.seconds - b.seconds || a.household.index - b.household.index)
  const seq = new Map<string, number>()
  for (const b of baskets) {
    const key = `${b.store.id}-${date.compact}-${b.lane}`
    const n = (seq.get(key) ?? 0) + 1
    seq.set(key, n)
    b.transactionId = `${key}-${String(n).padStart(4, '0')}`
    b.occurredAt = localTimestamp(date, b.seconds)
    totals.baskets++
    totals.lines += b.lines.length
    sink.basket?.(b)
  }
}
