// One synthetic household: who they are, how often they shop, when they start and stop, what
// they buy by habit (staples with a cycle) and how brand-loyal they are. All randomness comes
// from the household's own PRNG stream, so households do not depend on each other or on order.

import type { Catalog } from './catalog.ts'
import { Rng, sampleWeighted } from './prng.ts'
import { type Person, type SeedStore, person } from './population.ts'
import { STAPLE_SLOTS, type SlotAudience, type StapleSlot } from './staples.ts'

export const MODEL = {
  /** Mean days between trips: lognormal over households (median, log-sd). */
  meanGapMedian: 9.2,
  meanGapSigma: 1.05,
  /** Trips around the household's mean are gamma-distributed with this shape (CV = 1/√shape). */
  gapShape: 2.2,
  lateJoinShare: 0.12,
  churnShare: 0.12,
  twoCardShare: 0.2,
  optInShare: 0.85,
  petDogShare: 0.22,
  petCatShare: 0.17,
  babyShare: 0.08,
  produceHeavyShare: 0.2,
  homeStoreShare: 0.9,
  /** Log-sd over households of their propensity to have habits (scales every general slot). */
  habitSigma: 0.4,
  staplesMin: 3,
  /** Unplanned items per trip: household mean (lognormal median, log-sd). */
  impulseMedian: 7.5,
  impulseSigma: 0.55,
  /**
   * Favourites outside the staple habits (a brand of crackers, a candy bar): bought now and then,
   * without a cycle. This share of the unplanned draws comes from the household's own favourites.
   */
  favourites: 50,
  favouriteShare: 0.35,
} as const

export type BrandAttitude = 'national' | 'store' | 'swing'

export interface Staple {
  readonly slot: StapleSlot
  /** Catalog indexes: one product for a loyal buyer, two or three equivalents for a swing buyer. */
  readonly products: readonly number[]
  readonly attitude: BrandAttitude
  readonly cycleDays: number
  /** Day index the habit starts (adopted later) and ends (dropped): [from, until). */
  readonly from: number
  readonly until: number
  /** Simulation state: the day the product is next needed, and the last purchase (-1: none yet). */
  due: number
  lastBought: number
  lastProduct: number
}

export interface Household {
  readonly index: number
  readonly id: string
  readonly cards: readonly string[]
  readonly person: Person
  readonly postalCode: string
  readonly optedIn: boolean
  readonly homeStore: number
  readonly meanGap: number
  readonly firstDay: number
  /** Exclusive: no trips from this day on (days for a household that stays). */
  readonly lastDay: number
  readonly preferredWeekday: number
  /** Probability that a trip is moved to the preferred weekday (a weekly routine). */
  readonly routine: number
  readonly preferredHour: number
  readonly attitude: BrandAttitude
  readonly audiences: ReadonlySet<SlotAudience>
  readonly produceHeavy: boolean
  readonly impulseRate: number
  /** Catalog indexes of the household's favourites (see MODEL.favourites). */
  readonly favourites: readonly number[]
  readonly staples: Staple[]
  readonly rng: Rng
}

export interface HouseholdContext {
  readonly seed: number
  readonly days: number
  readonly stores: readonly SeedStore[]
  readonly storeWeights: { draw(rng: Rng): number }
  readonly catalog: Catalog
}

/** Saturday and Sunday are the big days, Tuesday–Wednesday the quiet ones. */
const WEEKDAY_WEIGHTS = [0.18, 0.1, 0.08, 0.09, 0.12, 0.17, 0.26]

export function createHousehold(index: number, ctx: HouseholdContext): Household {
  const rng = new Rng(ctx.seed, index + 1)
  const { days } = ctx
  const number = index + 1
  const homeStore = ctx.storeWeights.draw(rng)
  const cards = [`4${String(number).padStart(10, '0')}1`]
  if (rng.chance(MODEL.twoCardShare)) cards.push(`4${String(number).padStart(10, '0')}2`)
  const meanGap = Math.max(1.3, rng.lognormal(Math.log(MODEL.meanGapMedian), MODEL.meanGapSigma))
  const firstDay = rng.chance(MODEL.lateJoinShare) ? Math.floor(days * rng.uniform(0.15, 0.85)) : 0
  const lastDay = rng.chance(MODEL.churnShare) ? firstDay + Math.ceil((days - firstDay) * rng.uniform(0.2, 0.9)) : days
  const audiences = new Set<SlotAudience>(['all'])
  if (rng.chance(MODEL.petDogShare)) audiences.add('dog')
  if (rng.chance(MODEL.petCatShare)) audiences.add('cat')
  if (rng.chance(MODEL.babyShare)) audiences.add('baby')
  const attitude = pickAttitude(rng)
  const produceHeavy = rng.chance(MODEL.produceHeavyShare)
  const base = {
    index,
    id: `H${String(number).padStart(7, '0')}`,
    cards,
    person: person(rng, number),
    postalCode: rng.pick(ctx.stores[homeStore]!.catchment),
    optedIn: rng.chance(MODEL.optInShare),
    homeStore,
    meanGap,
    firstDay,
    lastDay,
    preferredWeekday: drawIndex(rng, WEEKDAY_WEIGHTS),
    routine: rng.uniform(0, 0.5),
    preferredHour: preferredHour(rng),
    attitude,
    audiences,
    produceHeavy,
    // Larger baskets for households that shop less often: they stock up.
    impulseRate: rng.lognormal(Math.log(MODEL.impulseMedian), MODEL.impulseSigma) * Math.pow(meanGap / MODEL.meanGapMedian, 0.15),
    rng,
  }
  const favourites = Array.from({ length: MODEL.favourites }, () => ctx.catalog.impulse.draw(rng)).filter(
    (i) => ctx.catalog.products[i]!.audience === 'all' || audiences.has(ctx.catalog.products[i]!.audience),
  )
  return { ...base, favourites, staples: chooseStaples(rng, ctx, base) }
}

function pickAttitude(rng: Rng): BrandAttitude {
  const r = rng.next()
  return r < 0.4 ? 'national' : r < 0.65 ? 'store' : 'swing'
}

function drawIndex(rng: Rng, weights: readonly number[]): number {
  let x = rng.next() * weights.reduce((a, b) => a + b, 0)
  for (let i = 0; i < weights.length; i++) if ((x -= weights[i]!) < 0) return i
  return weights.length - 1
}

/** Morning, midday or after-work shoppers. */
function preferredHour(rng: Rng): number {
  const r = rng.next()
  return r < 0.25 ? rng.uniform(8.5, 11) : r < 0.6 ? rng.uniform(11, 15) : rng.uniform(15.5, 19.5)
}

type HouseholdBase = Pick<Household, 'audiences' | 'produceHeavy' | 'attitude' | 'firstDay' | 'lastDay' | 'meanGap'>

/**
 * Each slot the household can have is a habit with the slot's prevalence (tripled for produce in
 * produce-heavy households), times the household's own habit propensity: some households live on
 * routine, others buy whatever appeals. Prevalences are fitted to the Complete Journey sample
 * (docs/seed.md "Concentration"), so habits take the share of purchases they take there.
 */
function chooseStaples(rng: Rng, ctx: HouseholdContext, h: HouseholdBase): Staple[] {
  const propensity = rng.lognormal(0, MODEL.habitSigma)
  // Bigger households (and babies) use things up faster: one consumption rate scales all cycles.
  const consumption = rng.lognormal(0, 0.25) * (h.audiences.has('baby') ? 1.15 : 1)
  const staples: Staple[] = []
  for (const slot of STAPLE_SLOTS) {
    if (slot.audience !== 'all' && !h.audiences.has(slot.audience)) continue
    const p = slot.prevalence * (slot.produce && h.produceHeavy ? 3 : 1) * (slot.audience === 'all' ? propensity : 1)
    if (!rng.chance(Math.min(0.95, p))) continue
    const s = makeStaple(rng, ctx, h, slot, consumption)
    if (s) staples.push(s)
  }
  // Everyone has a few habits: the household with none takes the most common ones it lacks.
  const general = STAPLE_SLOTS.filter((sl) => sl.audience === 'all' && !staples.some((st) => st.slot === sl))
  for (const i of sampleWeighted(rng, general.map((sl) => sl.prevalence), general.length)) {
    if (staples.length >= MODEL.staplesMin) break
    const s = makeStaple(rng, ctx, h, general[i]!, consumption)
    if (s) staples.push(s)
  }
  return staples
}

function makeStaple(rng: Rng, ctx: HouseholdContext, h: HouseholdBase, slot: StapleSlot, consumption: number): Staple | undefined {
  const type = pickType(rng, ctx.catalog, slot)
  if (!type) return undefined
  // Most habits follow the household's attitude; some categories are the exception.
  const attitude = rng.chance(0.8) ? h.attitude : pickAttitude(rng)
  const products = pickProducts(rng, ctx.catalog, slot, type, attitude)
  const cycleDays = Math.max(2, (slot.cycleDays * rng.lognormal(0, 0.3)) / consumption)
  const span = h.lastDay - h.firstDay
  const r = rng.next()
  // Habits change: about 8 % start during the period and 8 % stop.
  const from = r < 0.08 ? h.firstDay + Math.floor(span * rng.uniform(0.2, 0.8)) : h.firstDay
  const until = r > 0.92 ? h.firstDay + Math.floor(span * rng.uniform(0.2, 0.9)) : h.lastDay
  // A random phase: at the start the household is somewhere in its cycle.
  const due = from === h.firstDay ? from + rng.next() * cycleDays : from
  return { slot, products, attitude, cycleDays, from, until, due, lastBought: -1, lastProduct: -1 }
}

function pickType(rng: Rng, catalog: Catalog, slot: StapleSlot): readonly number[] | undefined {
  const lists = slot.types.map((t) => catalog.byType.get(t) ?? []).filter((l) => l.length > 0)
  if (lists.length === 0) return undefined
  const weights = lists.map((l) => l.reduce((sum, i) => sum + catalog.products[i]!.popularity + 1, 0))
  return lists[drawIndex(rng, weights)]
}

/**
 * The SKUs a household rotates through for one habit (flavours, sizes, brands): about 1/sameSku
 * of them, drawn by popularity, so that two purchases of the habit are the same SKU about as often
 * as in the Complete Journey data. Loyal buyers stay with their brand type; a swing buyer holds at
 * least a national and a store-brand equivalent. The chosen product type comes first; the slot's
 * other types fill in when it has too few SKUs.
 */
function pickProducts(rng: Rng, catalog: Catalog, slot: StapleSlot, type: readonly number[], attitude: BrandAttitude): number[] {
  const want = Math.max(1, Math.round(rng.lognormal(Math.log(1 / slot.sameSku), 0.3)))
  const others = slot.types.flatMap((t) => catalog.byType.get(t) ?? []).filter((i) => !type.includes(i))
  const ofBrand = (list: readonly number[], brandType: 'national' | 'store') => list.filter((i) => catalog.products[i]!.brandType === brandType)
  const picks: number[] = []
  const draw = (list: readonly number[]) => {
    const left = list.filter((i) => !picks.includes(i))
    if (left.length > 0) picks.push(left[drawIndex(rng, left.map((i) => catalog.products[i]!.popularity + 1))]!)
    return left.length > 0
  }
  if (attitude === 'swing') {
    draw(ofBrand(type, 'national').length > 0 ? ofBrand(type, 'national') : type)
    draw(ofBrand(type, 'store').length > 0 ? ofBrand(type, 'store') : type)
  }
  const preferred = (list: readonly number[]) => {
    if (attitude === 'swing') return list
    const own = ofBrand(list, attitude)
    return own.length > 0 ? own : list
  }
  while (picks.length < want) if (!draw(preferred(type)) && !draw(preferred(others))) break
  return picks
}
