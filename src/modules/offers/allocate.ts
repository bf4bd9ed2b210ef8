import type { AllocationInput, AllocationParams, AllocationResult, Assignment } from './allocate.types.ts'
import { resolveParams } from './allocate.types.ts'
import { householdOptions, indexOffers, type Option } from './offer-match.ts'
import { dollars, householdBudgetCents } from './offer-value.ts'

/**
 * Attaches offers to the items households are predicted to need this cycle (docs/offers.md).
 * Greedy by expected incremental value (or expected redemptions) per cent of face value, over all
 * households at once: a heap holds each household's best remaining option, the best of all is taken
 * if every constraint still allows it, then that household's next option goes back in. Constraints,
 * all counted at face value (every instance redeemed) so that none can be exceeded later:
 * the offer's remaining budget (cents and count), the funder's remaining cycle cap (its share), the
 * household's value budget, its per-offer limit and offer count, and one offer per item.
 * Pure and deterministic: ties break by household id, SKU, offer id.
 */
export function allocateOffers(input: AllocationInput): AllocationResult {
  const params = resolveParams(input.params)
  const index = indexOffers(input.offers, input.products, input.cycle)
  const state = initialState(input, params)
  const heads = input.households.map((h) => ({ options: householdOptions(h, index, params), next: 0 }))
  const head = (h: number) => heads[h]!.options[heads[h]!.next]!
  const id = (h: number) => input.households[h]!.householdId
  const heap = new Heap<number>((a, b) => before(head(a), id(a), head(b), id(b)))
  for (let i = 0; i < heads.length; i++) if (heads[i]!.options.length > 0) heap.push(i)
  const chosen: { h: number; option: Option }[] = []
  for (let h = heap.pop(); h !== undefined; h = heap.pop()) {
    const hd = heads[h]!
    const option = hd.options[hd.next++]!
    if (take(state, h, option, params)) chosen.push({ h, option })
    if (hd.next < hd.options.length && state.count[h]! < params.maxOffersPerHousehold && state.budget[h]! > 0) heap.push(h)
  }
  return result(input, state, chosen)
}

interface State {
  readonly budget: number[]
  readonly count: number[]
  readonly initialBudget: number[]
  readonly offerCents: Map<string, number>
  readonly offerCount: Map<string, number>
  readonly funderCents: Map<string, number>
  /** `${household index}|${offer id}` → instances (earlier cycles included) */
  readonly perHousehold: Map<string, number>
  readonly slots: Set<string>[]
}

function initialState(input: AllocationInput, params: AllocationParams): State {
  const budget = input.households.map((h) => householdBudgetCents(h, params.valueCurve))
  const perHousehold = new Map<string, number>()
  input.households.forEach((h, i) => {
    for (const [offerId, n] of Object.entries(h.issuedBefore ?? {})) perHousehold.set(`${i}|${offerId}`, n)
  })
  const left = (v: number | null) => (v === null ? Infinity : v)
  return {
    budget,
    initialBudget: [...budget],
    count: input.households.map(() => 0),
    offerCents: new Map(input.offers.map((o) => [o.id, left(o.remainingCents)])),
    offerCount: new Map(input.offers.map((o) => [o.id, left(o.remainingCount)])),
    funderCents: new Map(input.funders.map((f) => [f.id, left(f.remainingCapCents)])),
    perHousehold,
    slots: input.households.map(() => new Set<string>()),
  }
}

/** Takes the option if every constraint allows it, and charges it to every budget. */
function take(s: State, h: number, o: Option, p: AllocationParams): boolean {
  const offer = o.offer.offer
  const key = `${h}|${offer.id}`
  const funderLeft = s.funderCents.get(offer.funderId) ?? Infinity
  if (s.count[h]! >= p.maxOffersPerHousehold || o.face > s.budget[h]!) return false
  if ((s.perHousehold.get(key) ?? 0) >= offer.perHouseholdLimit) return false
  if (o.face > s.offerCents.get(offer.id)! || s.offerCount.get(offer.id)! < 1 || o.funderCents > funderLeft) return false
  const taken = s.slots[h]!
  if (taken.has(o.sku) || o.convertsFrom.some((sku) => taken.has(sku))) return false
  s.budget[h]! -= o.face
  s.count[h]!++
  s.perHousehold.set(key, (s.perHousehold.get(key) ?? 0) + 1)
  s.offerCents.set(offer.id, s.offerCents.get(offer.id)! - o.face)
  s.offerCount.set(offer.id, s.offerCount.get(offer.id)! - 1)
  if (funderLeft !== Infinity) s.funderCents.set(offer.funderId, funderLeft - o.funderCents)
  taken.add(o.sku)
  for (const sku of o.convertsFrom) taken.add(sku)
  return true
}

function before(a: Option, ha: string, b: Option, hb: string): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority
  if (ha !== hb) return ha < hb
  if (a.sku !== b.sku) return a.sku < b.sku
  return a.offer.offer.id < b.offer.offer.id
}

function toAssignment(input: AllocationInput, h: number, o: Option): Assignment {
  const offer = o.offer.offer
  return {
    householdId: input.households[h]!.householdId,
    sku: o.sku,
    offerId: offer.id,
    funderId: offer.funderId,
    kind: o.kind,
    reward: o.reward,
    minQuantity: offer.minQuantity,
    valueCents: o.face,
    funderCents: o.funderCents,
    redemptionProbability: o.outcome.redemption,
    expectedCostCents: o.outcome.redemption * o.face,
    expectedValueCents: o.outcome.value,
    expectedDate: o.expectedDate,
    validFrom: o.offer.from,
    expiresOn: offer.validTo ?? input.cycle.end,
    reason: o.kind === 'conversion' ? `Try our store brand: save ${dollars(o.face)}` : null,
    convertsFrom: o.convertsFrom,
  }
}

function result(input: AllocationInput, s: State, chosen: readonly { h: number; option: Option }[]): AllocationResult {
  const assignments = chosen
    .map(({ h, option }) => toAssignment(input, h, option))
    .sort((a, b) => (a.householdId !== b.householdId ? (a.householdId < b.householdId ? -1 : 1) : a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
  const offers = new Map<string, { offerId: string; issuedCents: number; issuedCount: number }>()
  const funders = new Map<string, { funderId: string; issuedCents: number }>()
  for (const a of assignments) {
    const o = offers.get(a.offerId) ?? offers.set(a.offerId, { offerId: a.offerId, issuedCents: 0, issuedCount: 0 }).get(a.offerId)!
    o.issuedCents += a.valueCents
    o.issuedCount++
    const f = funders.get(a.funderId) ?? funders.set(a.funderId, { funderId: a.funderId, issuedCents: 0 }).get(a.funderId)!
    f.issuedCents += a.funderCents
  }
  const households = input.households.map((h, i) => ({
    householdId: h.householdId,
    budgetCents: s.initialBudget[i]!,
    allocatedCents: s.initialBudget[i]! - s.budget[i]!,
  }))
  return { assignments, households, offers: [...offers.values()], funders: [...funders.values()] }
}

/** A binary min-heap by `less` (here: "comes before"). */
class Heap<T> {
  private readonly items: T[] = []
  private readonly less: (a: T, b: T) => boolean

  constructor(less: (a: T, b: T) => boolean) {
    this.less = less
  }

  push(x: T): void {
    const a = this.items
    a.push(x)
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1
      if (!this.less(a[i]!, a[parent]!)) break
      ;[a[i], a[parent]] = [a[parent]!, a[i]!]
      i = parent
    }
  }

  pop(): T | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (a.length === 0 || last === undefined) return top
    a[0] = last
    for (let i = 0; ; ) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < a.length && this.less(a[l]!, a[m]!)) m = l
      if (r < a.length && this.less(a[r]!, a[m]!)) m = r
      if (m === i) return top
      ;[a[i], a[m]] = [a[m]!, a[i]!]
      i = m
    }
  }
}
