import type { Ctx } from '../../context.ts'
import type { AllocationHousehold, SegmentCell } from '../offers/allocate.types.ts'
import { DEFAULT_SETTINGS, isoToDay, type ModelSettings, predictLists } from '../predictions/predictions.service.ts'
import type { SegmentParams } from '../segments/segments.model.ts'
import { brandSegments, householdAttributes, householdValues, qualifiedHouseholds } from '../segments/segments.service.ts'
import { type CatalogItem, candidatesOf, type Selection, selectItems } from './build-list.ts'
import type { CycleDates, CycleParams } from './cycle.params.ts'
import { type ArmHousehold, homeStores } from './cycle.repository.ts'
import { type CycleOffer, issuedBefore } from './cycle-inputs.repository.ts'

// Everything the cycle knows about each list-arm household before allocating offers: its
// predicted items (predictions module), its value, tier, brand-loyalty cells and attributes
// (segments module), its home store. All as of the cycle's as-of instant.

export interface HouseholdPlan {
  readonly household: ArmHousehold & { readonly cardNumber: string }
  readonly store: { readonly id: string; readonly name: string }
  readonly selection: Selection
  readonly allocation: AllocationHousehold
  /** Content tags from inferred attributes: pet, baby, produce. */
  readonly attributeTags: readonly string[]
}

export interface PlanSkips {
  /** The model predicted nothing (lapsed, or outside its loyalty rule). */
  noPrediction: number
  tooFewItems: number
  noCardOrStore: number
}

export function segmentParamsOf(p: CycleParams): SegmentParams {
  return {
    loyalWeeklyCents: p.loyalty.weeklyCents,
    loyalWeeks: p.loyalty.weeks,
    windowWeeks: p.segments.windowWeeks,
    brandLoyalShare: p.segments.brandLoyalShare,
    pyramidCuts: p.segments.pyramidCuts,
  }
}

export function modelSettingsOf(p: CycleParams): ModelSettings {
  return { ...DEFAULT_SETTINGS, horizonDays: p.lengthDays, customers: 'loyal', loyalty: p.loyalty }
}

/** The list-arm households' selections, from the repurchase model's predictions as of the cycle. */
async function predictSelections(ctx: Ctx, dates: CycleDates, p: CycleParams, arm: readonly ArmHousehold[], catalog: ReadonlyMap<string, CatalogItem>, onProgress?: (done: number) => void) {
  const byExternal = new Map(arm.map((h) => [h.externalId, h]))
  const selections = new Map<number, Selection>()
  let seen = 0
  let tooFew = 0
  // The model's as-of is the cycle's first day (UTC day numbers): data strictly before it.
  for await (const pred of predictLists(ctx, modelSettingsOf(p), isoToDay(dates.start)!, p.list.maxItems * 2)) {
    const h = byExternal.get(pred.householdId)
    if (!h) continue
    onProgress?.(++seen)
    const sel = selectItems(pred.items, catalog, p.list)
    if (sel) selections.set(h.id, sel)
    else tooFew++
  }
  return { selections, seen, tooFew }
}

/** Brand-loyalty × usage cells of the list households, in the subcategories that can matter. */
async function cellsOf(ctx: Ctx, dates: CycleDates, sp: SegmentParams, ids: ReadonlySet<number>, subcategories: ReadonlySet<string>) {
  const cells = new Map<number, Record<string, SegmentCell>>()
  for (const s of await brandSegments(ctx, { asOf: dates.asOf, params: sp })) {
    if (!ids.has(s.householdId) || !subcategories.has(s.category.toLowerCase())) continue
    const own = cells.get(s.householdId) ?? cells.set(s.householdId, {}).get(s.householdId)!
    own[s.category] = { brandLoyalty: s.brandLoyalty, usage: s.usage }
  }
  return cells
}

/** Subcategories an offer can look at: its targeting cells, and those of the items predicted. */
function relevantSubcategories(offers: readonly CycleOffer[], selections: Iterable<Selection>): Set<string> {
  const out = new Set<string>()
  for (const o of offers) for (const c of o.allocation.targeting.cells ?? []) out.add(c.subcategory.toLowerCase())
  for (const s of selections) for (const p of s.picked) if (p.product.subcategory) out.add(p.product.subcategory.toLowerCase())
  return out
}

interface SegmentFacts {
  readonly tier: ReadonlyMap<number, string>
  /** Spend per cycle, from the qualifying window. */
  readonly worth: ReadonlyMap<number, number>
  readonly attributes: ReadonlyMap<number, { petOwner: boolean; baby: boolean; produceHeavy: boolean }>
  readonly cells: ReadonlyMap<number, Record<string, SegmentCell>>
  readonly issuedBefore: ReadonlyMap<number, Record<string, number>>
}

/** The segments module's view of the households as of the cycle, in one round of queries. */
async function segmentFacts(ctx: Ctx, dates: CycleDates, p: CycleParams, ids: ReadonlySet<number>, subcategories: ReadonlySet<string>, offers: readonly CycleOffer[]): Promise<SegmentFacts> {
  const sp = segmentParamsOf(p)
  const [values, spend, attributes, cells, before] = await Promise.all([
    householdValues(ctx, { asOf: dates.asOf, params: sp }),
    qualifiedHouseholds(ctx, { asOf: dates.asOf, params: sp }),
    householdAttributes(ctx, { asOf: dates.asOf }),
    cellsOf(ctx, dates, sp, ids, subcategories),
    issuedBefore(ctx.db, dates.start, offers.map((o) => o.allocation.id)),
  ])
  const perCycle = (windowCents: number) => Math.round((windowCents * p.lengthDays) / (p.loyalty.weeks * 7))
  return {
    tier: new Map(values.map((v) => [v.householdId, v.tier])),
    worth: new Map(spend.map((s) => [s.householdId, perCycle(s.windowSpendCents)])),
    attributes: new Map(attributes.map((a) => [a.householdId, a])),
    cells,
    issuedBefore: before,
  }
}

function planOf(h: HouseholdPlan['household'], store: HouseholdPlan['store'], selection: Selection, f: SegmentFacts): HouseholdPlan {
  const a = f.attributes.get(h.id)
  const attributes = { petOwner: a?.petOwner ?? false, baby: a?.baby ?? false, produceHeavy: a?.produceHeavy ?? false }
  const allocation: AllocationHousehold = {
    householdId: h.externalId,
    worthCents: f.worth.get(h.id) ?? 0,
    tier: f.tier.get(h.id) ?? null,
    cells: f.cells.get(h.id) ?? {},
    attributes,
    candidates: candidatesOf(selection),
    issuedBefore: f.issuedBefore.get(h.id) ?? {},
  }
  const attributeTags = [attributes.petOwner && 'pet', attributes.baby && 'baby', attributes.produceHeavy && 'produce'].filter((t): t is string => typeof t === 'string')
  return { household: h, store, selection, allocation, attributeTags }
}

/**
 * One plan per list-arm household that gets a list, in household id order, and why the others
 * do not.
 */
export async function planHouseholds(
  ctx: Ctx,
  dates: CycleDates,
  p: CycleParams,
  input: { arm: readonly ArmHousehold[]; catalog: ReadonlyMap<string, CatalogItem>; offers: readonly CycleOffer[]; onProgress?: (done: number) => void },
): Promise<{ plans: HouseholdPlan[]; skips: PlanSkips }> {
  const { selections, seen, tooFew } = await predictSelections(ctx, dates, p, input.arm, input.catalog, input.onProgress)
  ctx.log.info({ predicted: seen, selected: selections.size }, 'predicted')
  const ids = new Set(selections.keys())
  const loyalFrom = new Date(dates.asOf.getTime() - p.loyalty.weeks * 7 * 86_400_000)
  const [facts, stores] = await Promise.all([
    segmentFacts(ctx, dates, p, ids, relevantSubcategories(input.offers, selections.values()), input.offers),
    homeStores(ctx.db, [...ids], loyalFrom, dates.asOf),
  ])
  ctx.log.info({ households: ids.size }, 'segments loaded')
  const plans: HouseholdPlan[] = []
  let noCardOrStore = 0
  for (const h of input.arm) {
    const selection = selections.get(h.id)
    const store = stores.get(h.id)
    if (!selection) continue
    if (store && h.cardNumber !== null) plans.push(planOf({ ...h, cardNumber: h.cardNumber }, store, selection, facts))
    else noCardOrStore++
  }
  return { plans, skips: { noPrediction: input.arm.length - seen, tooFewItems: tooFew, noCardOrStore } }
}
