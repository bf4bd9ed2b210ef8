import type { Assignment, CandidateItem, CycleWindow, ProductInfo } from '../offers/allocate.types.ts'
import type { PredictedItem } from '../predictions/predictions.service.ts'
import { predictionReason } from '../segments/prediction-reason.ts'
import type { ContentBlock, Funder, ListItem, ListSection, ListSnapshot, OfferInstance } from '../lists/list.types.ts'
import { type Aisle, type ContentLibrary, chooseContent } from './content.ts'

// Pure list building: a household's predictions, the catalog and the offers allocated to it →
// the printed snapshot and its offer instances. No database, no clock, no secret: codes come in
// already derived, so the same inputs always give the same list.

export interface CatalogItem extends ProductInfo {
  readonly name: string
  readonly size: string | null
}

export interface ListSettings {
  readonly minItems: number
  readonly maxItems: number
  /** Below this P(buy in the window) an item is not due this cycle; it only fills a list up to minItems. */
  readonly minProbability: number
}

export interface PickedItem extends PredictedItem {
  readonly product: CatalogItem
}

export interface Selection {
  /** The items chosen for the list, best first; the allocation's candidates. */
  readonly picked: readonly PickedItem[]
  /** Next best items, to refill a list that a store-brand conversion shortened. */
  readonly spare: readonly PickedItem[]
}

/**
 * The items most likely bought in the window: P(at least one purchase in the cycle) — the model's
 * own statement of "due this cycle" — at least minProbability, best first, at most maxItems;
 * topped up to minItems with the next most likely. Null when the household has fewer than
 * minItems known products to list.
 */
export function selectItems(predictions: readonly PredictedItem[], catalog: ReadonlyMap<string, CatalogItem>, s: ListSettings): Selection | null {
  const known: PickedItem[] = []
  for (const p of predictions) {
    const product = catalog.get(p.sku)
    if (product) known.push({ ...p, product })
  }
  // predictions come best first (calibrated probability)
  const picked = known.filter((p) => p.probability >= s.minProbability).slice(0, s.maxItems)
  const chosen = new Set(picked.map((p) => p.sku))
  for (const p of known) {
    if (picked.length >= s.minItems) break
    if (!chosen.has(p.sku)) (picked.push(p), chosen.add(p.sku))
  }
  if (picked.length < s.minItems) return null
  return { picked, spare: known.filter((p) => !chosen.has(p.sku)).slice(0, s.maxItems) }
}

export function candidatesOf(sel: Selection): CandidateItem[] {
  return sel.picked.map((p) => {
    const { sku, brand, category, subcategory, brandType, priceCents } = p.product
    return { sku, brand, category, subcategory, brandType, priceCents, probability: p.probability, expectedDate: p.expectedDate }
  })
}

/** What the snapshot needs to know about an offer beyond the assignment. */
export interface OfferMeta {
  readonly title: string
  readonly funder: Funder
}

/** Codes derived for one assignment (key: `${offerId}/${sku}`). */
export interface InstanceCodes {
  readonly code: string
  readonly gs1Serial: string | null
  readonly gs1: string | null
}

export const instanceKey = (a: Pick<Assignment, 'offerId' | 'sku'>) => `${a.offerId}/${a.sku}`

export interface SnapshotInput {
  readonly listCode: string
  readonly cycle: CycleWindow
  readonly household: ListSnapshot['household']
  readonly store: ListSnapshot['store']
  readonly selection: Selection
  /** The household's assignments from allocateOffers. */
  readonly assignments: readonly Assignment[]
  readonly offers: ReadonlyMap<string, OfferMeta>
  readonly codes: ReadonlyMap<string, InstanceCodes>
  readonly catalog: ReadonlyMap<string, CatalogItem>
  /** Content tags from the household's inferred attributes ("pet", "baby", "produce"). */
  readonly attributeTags: readonly string[]
  readonly content: ContentLibrary
  readonly settings: ListSettings
}

/** One offer instance as stored in offer_instance. */
export interface InstanceRow {
  readonly code: string
  readonly gs1Serial: string | null
  readonly offerId: string
  readonly sku: string
  /** The reward as printed: checkout reads it from the instance instead of the list snapshot. */
  readonly reward: Assignment['reward']
  readonly valueCents: number
  readonly minQuantity: number
  readonly validFrom: string
  readonly expiresOn: string
}

interface Line {
  readonly sku: string
  readonly product: CatalogItem
  readonly probability: number
  readonly expectedDate: string
  readonly reason: string
  readonly assignment: Assignment | null
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)
const bySku = (a: { sku: string }, b: { sku: string }) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)

function predictedLine(p: PickedItem, asOf: Date): Line {
  const reason = capitalize(predictionReason({ cycleDays: p.cycleDays, lastPurchased: p.lastPurchased, expectedDate: p.expectedDate }, asOf))
  return { sku: p.sku, product: p.product, probability: p.probability, expectedDate: p.expectedDate, reason, assignment: null }
}

/** The store-brand item a conversion offer puts in place of the national items it converts. */
function conversionLine(a: Assignment, lines: Map<string, Line>, catalog: ReadonlyMap<string, CatalogItem>): Line | null {
  const product = catalog.get(a.sku)
  if (!product) return null
  const replaced = a.convertsFrom.map((sku) => lines.get(sku)).filter((l): l is Line => l !== undefined)
  const instead = [...new Set(replaced.map((l) => l.product.brand).filter((b): b is string => b !== null))]
  const probability = Math.max(0, ...replaced.map((l) => l.probability))
  // The saving itself is on the offer's tag and coupon; the line says what it replaces.
  const reason = instead.length > 0 ? `Try our store brand instead of ${instead.join(' or ')}` : 'Try our store brand'
  return { sku: a.sku, product, probability, expectedDate: a.expectedDate, reason, assignment: a }
}

/** The list's lines: picks, offers attached, conversions swapped in, refilled to minItems. */
function listLines(input: SnapshotInput, asOf: Date): Line[] {
  const lines = new Map<string, Line>(input.selection.picked.map((p) => [p.sku, predictedLine(p, asOf)]))
  for (const a of input.assignments) {
    if (a.kind === 'conversion') {
      const line = conversionLine(a, lines, input.catalog)
      if (!line) continue
      for (const sku of a.convertsFrom) lines.delete(sku)
      lines.set(a.sku, line)
    } else {
      const line = lines.get(a.sku)
      if (line) lines.set(a.sku, { ...line, assignment: a })
    }
  }
  for (const p of input.selection.spare) {
    if (lines.size >= input.settings.minItems) break
    if (!lines.has(p.sku)) lines.set(p.sku, predictedLine(p, asOf))
  }
  return [...lines.values()]
}

function sections(lines: readonly Line[], aisleOf: ContentLibrary['aisleOf']): { aisle: Aisle; lines: Line[] }[] {
  const byAisle = new Map<string, { aisle: Aisle; lines: Line[] }>()
  for (const l of lines) {
    const aisle = aisleOf(l.product.category, l.product.subcategory)
    const group = byAisle.get(aisle.heading) ?? byAisle.set(aisle.heading, { aisle, lines: [] }).get(aisle.heading)!
    group.lines.push(l)
  }
  const out = [...byAisle.values()].sort((a, b) => a.aisle.order - b.aisle.order)
  for (const g of out) g.lines.sort((a, b) => b.probability - a.probability || bySku(a, b))
  return out
}

function offerInstance(a: Assignment, meta: OfferMeta, codes: InstanceCodes): OfferInstance {
  const base = {
    code: codes.code,
    offerId: a.offerId,
    sku: a.sku,
    title: meta.title,
    reward: a.reward,
    valueCents: a.valueCents,
    minQuantity: a.minQuantity,
    expiresOn: a.expiresOn,
    funder: meta.funder,
  }
  return codes.gs1 ? { ...base, gs1: codes.gs1 } : base
}

function listItem(l: Line, offerCode: string | undefined): ListItem {
  const p = l.product
  const item = { sku: l.sku, name: p.name, brand: p.brand, size: p.size, priceCents: p.priceCents, reason: l.reason, probability: l.probability, expectedDate: l.expectedDate }
  return offerCode ? { ...item, offerCode } : item
}

/** The immutable snapshot of one household's list and the offer instances printed on it. */
export function buildSnapshot(input: SnapshotInput): { snapshot: ListSnapshot; instances: InstanceRow[] } {
  const asOf = new Date(`${input.cycle.start}T00:00:00Z`)
  const grouped = sections(listLines(input, asOf), input.content.aisleOf)
  const offers: OfferInstance[] = []
  const instances: InstanceRow[] = []
  const listSections: ListSection[] = grouped.map(({ aisle, lines }) => ({
    heading: aisle.heading,
    items: lines.map((l) => {
      const a = l.assignment
      const meta = a && input.offers.get(a.offerId)
      const codes = a && input.codes.get(instanceKey(a))
      if (!a || !meta || !codes) return listItem(l, undefined)
      offers.push(offerInstance(a, meta, codes))
      const { valueCents, minQuantity, validFrom, expiresOn, offerId, sku, reward } = a
      instances.push({ code: codes.code, gs1Serial: codes.gs1Serial, offerId, sku, reward, valueCents, minQuantity, validFrom, expiresOn })
      return listItem(l, codes.code)
    }),
  }))
  const aisleTags = grouped.map((g) => g.aisle.tag).filter((t): t is string => t !== null)
  const content: ContentBlock = chooseContent(input.content, { attributes: input.attributeTags, aisles: aisleTags }, `${input.cycle.start}/${input.household.householdId}`)
  const snapshot: ListSnapshot = {
    listCode: input.listCode,
    cycleStart: input.cycle.start,
    cycleEnd: input.cycle.end,
    household: input.household,
    store: input.store,
    sections: listSections,
    offers,
    content,
  }
  return { snapshot, instances }
}
