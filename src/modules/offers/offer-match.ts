import type { AllocationHousehold, AllocationOffer, AllocationParams, CandidateItem, CycleWindow, ProductInfo, SegmentCell } from './allocate.types.ts'
import { conversionOutcome, faceValueCents, type Outcome, plainOutcome, scaleReward } from './offer-value.ts'
import type { Reward, Targeting, Usage } from './offers.schemas.ts'

// Which offers may go on which of a household's items, and what each such option is worth. Pure.

/** One way to spend part of a household's budget: an offer printed on one item. */
export interface Option {
  readonly offer: PreparedOffer
  /** The item it is printed on; it and `convertsFrom` are taken: no other offer may go on them. */
  readonly sku: string
  readonly face: number
  readonly funderCents: number
  /** Expected value (or redemptions) per cent of face value: the greedy's key. */
  readonly priority: number
  readonly outcome: Outcome
  readonly expectedDate: string
  readonly reward: Reward
  readonly kind: 'offer' | 'conversion'
  /** Conversion offers: the national-brand items whose need it converts (SKU order). */
  readonly convertsFrom: readonly string[]
}

export interface PreparedOffer {
  readonly offer: AllocationOffer
  readonly skus: ReadonlySet<string> | null
  readonly brand: string | null
  readonly category: string | null
  readonly subcategory: string | null
  /** The days an instance printed this cycle can meet a purchase: validity within the cycle. */
  readonly from: string
  readonly to: string
  /** Conversion offers: the store-brand product offered in each subcategory (lower-cased key). */
  readonly storeTargets: ReadonlyMap<string, ProductInfo> | null
}

export interface OfferIndex {
  readonly bySku: Map<string, PreparedOffer[]>
  readonly bySubcategory: Map<string, PreparedOffer[]>
  readonly byBrand: Map<string, PreparedOffer[]>
  readonly byCategory: Map<string, PreparedOffer[]>
  readonly conversions: Map<string, PreparedOffer[]>
}

const lower = (s: string | null) => (s === null ? null : s.toLowerCase())
const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => (m.get(k) ?? m.set(k, []).get(k)!).push(v)

function targetMatches(po: PreparedOffer, p: ProductInfo): boolean {
  if (po.skus && !po.skus.has(p.sku)) return false
  const eq = (want: string | null, got: string | null) => want === null || lower(got) === want
  return eq(po.brand, p.brand) && eq(po.category, p.category) && eq(po.subcategory, p.subcategory)
}

/** Store-brand products matching a conversion offer's target, one per subcategory: the first listed SKU, else the lowest. */
function storeTargets(po: PreparedOffer, products: readonly ProductInfo[]): Map<string, ProductInfo> {
  const order = po.offer.target.skus
  const rank = (p: ProductInfo) => (order.includes(p.sku) ? order.indexOf(p.sku) : order.length)
  const eligible = products
    .filter((p) => p.brandType === 'store' && p.subcategory !== null && targetMatches(po, p))
    .sort((a, b) => rank(a) - rank(b) || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
  const out = new Map<string, ProductInfo>()
  for (const p of eligible) if (!out.has(lower(p.subcategory)!)) out.set(lower(p.subcategory)!, p)
  return out
}

/** Indexes the offers that can still be printed this cycle by the most selective part of their target. */
export function indexOffers(offers: readonly AllocationOffer[], products: readonly ProductInfo[], cycle: CycleWindow): OfferIndex {
  const index: OfferIndex = { bySku: new Map(), bySubcategory: new Map(), byBrand: new Map(), byCategory: new Map(), conversions: new Map() }
  for (const offer of offers) {
    const from = offer.validFrom !== null && offer.validFrom > cycle.start ? offer.validFrom : cycle.start
    const to = offer.validTo !== null && offer.validTo < cycle.end ? offer.validTo : cycle.end
    if (from > to || offer.remainingCents === 0 || offer.remainingCount === 0) continue
    const t = offer.target
    const skus = t.skus.length > 0 ? new Set(t.skus) : null
    const [brand, category, subcategory] = [lower(t.brand), lower(t.category), lower(t.subcategory)]
    const po: PreparedOffer = { offer, skus, brand, category, subcategory, from, to, storeTargets: null }
    if (offer.conversion) {
      const withTargets = { ...po, storeTargets: storeTargets(po, products) }
      for (const sub of withTargets.storeTargets.keys()) push(index.conversions, sub, withTargets)
    } else {
      if (po.skus) for (const sku of po.skus) push(index.bySku, sku, po)
      else if (po.subcategory) push(index.bySubcategory, po.subcategory, po)
      else if (po.brand) push(index.byBrand, po.brand, po)
      else push(index.byCategory, po.category!, po)
    }
  }
  return index
}

export function targetingMatches(tg: Targeting, h: AllocationHousehold, cells: ReadonlyMap<string, SegmentCell>): boolean {
  if (tg.tiers && tg.tiers.length > 0 && (h.tier === null || !tg.tiers.includes(h.tier))) return false
  for (const a of tg.attributes ?? []) {
    const v = h.attributes[a.name]
    if (v === undefined || v === null || !a.values.includes(String(v))) return false
  }
  if (!tg.cells || tg.cells.length === 0) return true
  return tg.cells.some((c) => {
    const cell = cells.get(c.subcategory.toLowerCase())
    return cell !== undefined && (c.brandLoyalty === undefined || c.brandLoyalty === cell.brandLoyalty) && (c.usage === undefined || c.usage === cell.usage)
  })
}

const EMPTY: readonly never[] = []

/** The plain offers whose target matches the item (each offer sits in one bucket of the index). */
function plainOffersFor(index: OfferIndex, item: CandidateItem): PreparedOffer[] {
  const buckets = [
    index.bySku.get(item.sku),
    item.subcategory === null ? undefined : index.bySubcategory.get(item.subcategory.toLowerCase()),
    item.brand === null ? undefined : index.byBrand.get(item.brand.toLowerCase()),
    item.category === null ? undefined : index.byCategory.get(item.category.toLowerCase()),
  ]
  const out: PreparedOffer[] = []
  for (const bucket of buckets) if (bucket) for (const po of bucket) if (targetMatches(po, item)) out.push(po)
  return out
}

const priorityOf = (p: AllocationParams, o: Outcome, face: number) => (p.objective === 'redemptions' ? o.redemption : o.value) / face

/** An offer priced for one household and item: the reward as printed and its face value. */
interface Priced {
  readonly po: PreparedOffer
  readonly reward: Reward
  readonly face: number
}

function priced(po: PreparedOffer, usage: Usage, multipliers: AllocationOffer['usageMultipliers'], priceCents: number | null): Priced | null {
  const reward = scaleReward(po.offer.reward, multipliers, usage)
  const face = faceValueCents(reward, priceCents, po.offer.minQuantity)
  return face === null ? null : { po, reward, face }
}

// One object shape for every option (V8 keeps the sort and the heap monomorphic).
function option(x: Priced, sku: string, priority: number, o: Outcome, expectedDate: string, convertsFrom: readonly string[]): Option {
  const kind = convertsFrom.length > 0 ? 'conversion' : 'offer'
  const funderCents = Math.ceil((x.face * x.po.offer.funderShareBp) / 10_000)
  return { offer: x.po, sku, face: x.face, funderCents, priority, outcome: o, expectedDate, reward: x.reward, kind, convertsFrom }
}

/** Targeting is per (household, offer): checked once per household, whatever the number of items. */
function targetingCache(h: AllocationHousehold, cells: ReadonlyMap<string, SegmentCell>) {
  const seen = new Map<PreparedOffer, boolean>()
  return (po: PreparedOffer) => seen.get(po) ?? seen.set(po, targetingMatches(po.offer.targeting, h, cells)).get(po)!
}

function plainOptions(h: AllocationHousehold, cells: ReadonlyMap<string, SegmentCell>, index: OfferIndex, p: AllocationParams): Option[] {
  const out: Option[] = []
  const targeted = targetingCache(h, cells)
  for (const item of h.candidates) {
    // Sure-to-buy items get no plain offer: it would only subsidise a purchase made anyway.
    if (item.probability < p.model.minNeed || item.probability >= p.model.sureNeed) continue
    const usage = cells.get(item.subcategory?.toLowerCase() ?? '')?.usage ?? 'low'
    for (const po of plainOffersFor(index, item)) {
      if (item.expectedDate < po.from || item.expectedDate > po.to || !targeted(po)) continue
      const x = priced(po, usage, po.offer.usageMultipliers, item.priceCents)
      if (!x) continue
      const units = item.priceCents === null ? null : item.priceCents * po.offer.minQuantity
      const outcome = plainOutcome(p.model, item.probability, x.face, units, item.brandType)
      const priority = priorityOf(p, outcome, x.face)
      if (priority > 0) out.push(option(x, item.sku, priority, outcome, item.expectedDate, EMPTY))
    }
  }
  return out
}

/** National-brand candidates with a real need, by subcategory (lower-cased). */
function nationalNeeds(h: AllocationHousehold, minNeed: number): Map<string, CandidateItem[]> {
  const out = new Map<string, CandidateItem[]>()
  for (const c of h.candidates) if (c.brandType === 'national' && c.subcategory && c.probability >= minNeed) push(out, c.subcategory.toLowerCase(), c)
  // SKU order, so that the result (down to float rounding of the need) does not depend on input order
  for (const items of out.values()) items.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
  return out
}

function conversionOptions(h: AllocationHousehold, cells: ReadonlyMap<string, SegmentCell>, index: OfferIndex, p: AllocationParams): Option[] {
  const out: Option[] = []
  const units = (c: number | null, q: number) => (c === null ? null : c * q)
  for (const [sub, items] of nationalNeeds(h, p.model.minNeed)) {
    const offers = index.conversions.get(sub)
    const cell = cells.get(sub)
    // Without a computed cell, a household buying only national items there counts as national-loyal.
    const loyalty = cell?.brandLoyalty ?? 'national-loyal'
    if (!offers || loyalty === 'store-loyal') continue
    const usage = cell?.usage ?? 'low'
    const anchor = items.reduce((best, c) => (c.probability > best.probability ? c : best))
    const need = 1 - items.reduce((q, c) => q * (1 - Math.min(1, c.probability)), 1)
    const from = items.map((c) => c.sku)
    for (const po of offers) {
      const target = po.storeTargets!.get(sub)!
      if (anchor.expectedDate < po.from || anchor.expectedDate > po.to || !targetingMatches(po.offer.targeting, h, cells)) continue
      const x = priced(po, usage, po.offer.usageMultipliers ?? p.conversionMultipliers, target.priceCents)
      if (!x) continue
      const q = po.offer.minQuantity
      const prices = { storeUnitsCents: units(target.priceCents, q), nationalUnitsCents: units(anchor.priceCents, q) }
      const outcome = conversionOutcome(p.model, { need, loyalty, usage, face: x.face, ...prices })
      const priority = priorityOf(p, outcome, x.face)
      if (priority > 0) out.push(option(x, target.sku, priority, outcome, anchor.expectedDate, from))
    }
  }
  return out
}

/**
 * A household's options, best first (ties: SKU, then offer id), the best `maxOptionsPerHousehold`
 * only: memory stays proportional to households, and an option that far down is rarely reached.
 */
export function householdOptions(h: AllocationHousehold, index: OfferIndex, p: AllocationParams): Option[] {
  const cells = new Map(Object.entries(h.cells).map(([k, v]) => [k.toLowerCase(), v]))
  const all = plainOptions(h, cells, index, p).concat(conversionOptions(h, cells, index, p)).sort(compareWithin)
  if (all.length > p.maxOptionsPerHousehold) all.length = p.maxOptionsPerHousehold
  return all
}

export function compareWithin(a: Option, b: Option): number {
  if (a.priority !== b.priority) return b.priority - a.priority
  if (a.sku !== b.sku) return a.sku < b.sku ? -1 : 1
  const x = a.offer.offer.id
  const y = b.offer.offer.id
  return x < y ? -1 : x > y ? 1 : 0
}
