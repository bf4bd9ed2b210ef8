import type { OfferReward } from '../lists/list.types.ts'
import type { Scan } from './scan.ts'

// Which scanned or implied offer instances apply to a basket, and for how much. Pure: the facts
// come in (scans, the card's household, the instances looked up, the basket, the store's date),
// the decision comes out. The service then settles the decision in SQL (redemptions.repository.ts).

/** Stable reason codes of a refused scan or offer (docs/redemption.md). */
export const REASONS = [
  'unknown_or_forged',
  'expired',
  'not_yet_valid',
  'other_household',
  'item_not_in_basket',
  'quantity_too_low',
  'already_redeemed',
  'budget_exhausted',
  'household_opted_out',
  // two offers on one basket line: the better one applies (no stacking)
  'not_stackable',
  // the reward is worth nothing at the lane's price (a fixed price at or above it)
  'no_discount',
] as const
export type Reason = (typeof REASONS)[number]

export interface BasketItem {
  readonly sku: string
  readonly quantity: number
  readonly unitPriceCents: number
}

export interface InstanceFacts {
  readonly code: string
  readonly householdId: number
  readonly listCode: string
  readonly offerId: string
  readonly sku: string
  readonly valueCents: number
  readonly minQuantity: number
  readonly validFrom: string
  readonly expiresOn: string
  /** Set while redeemed: the transaction holding it. */
  readonly redeemedBy: { readonly storeId: string | null; readonly transactionId: string | null } | null
  readonly reward: OfferReward | null
  readonly optedIn: boolean
  readonly gs1Serial: string | null
  readonly gs1CompanyPrefix: string | null
  readonly gs1OfferCode: string | null
  readonly budgetCount: number | null
  readonly budgetCents: number | null
  readonly redeemedCount: number
  readonly redeemedCents: number
}

export interface HouseholdFacts {
  readonly householdId: number
  readonly optedIn: boolean
}

export interface RedemptionFacts {
  readonly scans: readonly Scan[]
  /** The loyalty card's household, when a known card was presented. */
  readonly card: HouseholdFacts | null
  /**
   * The card brings its household's offers by itself (a live lane). Not for sales judged after the
   * fact (offline replays, baskets): the lane granted only what it scanned.
   */
  readonly cardApplies: boolean
  /** The scanned list codes that exist. */
  readonly lists: ReadonlyMap<string, HouseholdFacts>
  readonly instances: readonly InstanceFacts[]
  readonly items: readonly BasketItem[]
  /** The store's calendar day, YYYY-MM-DD. */
  readonly today: string
}

/** How an instance came into the basket: scanned itself, on a scanned list, or by the card alone. */
export type Origin = 'scan' | 'list' | 'card'

export interface Applied {
  /** As the lane knows it: the scanned code, or the instance code for offers the list or card brought. */
  readonly code: string
  readonly instanceCode: string
  readonly offerId: string
  readonly sku: string
  readonly discountCents: number
  readonly householdId: number
  readonly origin: Origin
}

export interface Refused {
  readonly code: string
  readonly reason: Reason
  readonly instanceCode: string | null
  readonly offerId: string | null
  readonly origin: Origin
  readonly redeemedBy: InstanceFacts['redeemedBy']
}

export interface Evaluation {
  /** The basket's household: the card's, else the first scanned list's, else the first offer's. */
  readonly householdId: number | null
  readonly redeemed: Applied[]
  readonly rejected: Refused[]
}

interface Considered {
  readonly inst: InstanceFacts
  readonly origin: Origin
  readonly code: string
  /** The scanned list that brought it, if any. */
  readonly list: string | null
}

interface Line {
  quantity: number
  unitPriceCents: number
}

/** Decides every scan and implied offer of a basket (see REASONS for the refusals). */
export function evaluate(f: RedemptionFacts): Evaluation {
  const householdId = basketHousehold(f)
  const rejected: Refused[] = []
  const refuse = (code: string, reason: Reason, c?: Considered) =>
    rejected.push({ code, reason, instanceCode: c?.inst.code ?? null, offerId: c?.inst.offerId ?? null, origin: c?.origin ?? 'scan', redeemedBy: c?.inst.redeemedBy ?? null })
  const considered = collect(f, householdId, refuse)
  const lines = basketLines(f.items)
  const passing: (Applied & { list: string | null })[] = []
  for (const c of considered) {
    const line = lines.get(c.inst.sku)
    // A list or card brings every offer of the household: only those on items in the basket matter.
    if (c.origin !== 'scan' && !line) continue
    const verdict = check(c.inst, householdId, line, f.today)
    if (typeof verdict === 'string') refuse(c.code, verdict, c)
    else passing.push({ code: c.code, instanceCode: c.inst.code, offerId: c.inst.offerId, sku: c.inst.sku, discountCents: verdict, householdId: c.inst.householdId, origin: c.origin, list: c.list })
  }
  const redeemed = unstack(passing, considered, refuse)
  for (const list of scannedLists(considered)) {
    const touched = passing.some((p) => p.list === list) || rejected.some((r) => considered.some((c) => c.list === list && c.inst.code === r.instanceCode))
    if (!touched) refuse(list, 'item_not_in_basket')
  }
  return { householdId, redeemed: redeemed.map(({ list: _list, ...a }) => a), rejected }
}

function basketHousehold(f: RedemptionFacts): number | null {
  if (f.card) return f.card.householdId
  for (const s of f.scans) if (s.kind === 'list' && f.lists.has(s.code)) return f.lists.get(s.code)!.householdId
  for (const s of f.scans) {
    const inst = s.kind === 'offer' ? f.instances.find((i) => i.code === s.code) : s.kind === 'gs1' ? f.instances.find((i) => i.gs1Serial === s.serial) : undefined
    if (inst) return inst.householdId
  }
  return null
}

/** The instances in play, in scan order, each once; refuses scans that name nothing of ours. */
function collect(f: RedemptionFacts, householdId: number | null, refuse: (code: string, reason: Reason) => void): Considered[] {
  const out: Considered[] = []
  const seen = new Set<string>()
  const add = (inst: InstanceFacts, origin: Origin, code: string, list: string | null) => {
    if (seen.has(inst.code)) return
    seen.add(inst.code)
    out.push({ inst, origin, code, list })
  }
  for (const s of f.scans) {
    if (s.kind === 'invalid') refuse(s.code, 'unknown_or_forged')
    else if (s.kind === 'offer') {
      const inst = f.instances.find((i) => i.code === s.code)
      if (inst) add(inst, 'scan', s.code, null)
      else refuse(s.code, 'unknown_or_forged')
    } else if (s.kind === 'gs1') {
      // The serial must belong to an instance of the offer the coupon names (funder prefix + offer code).
      const inst = f.instances.find((i) => i.gs1Serial === s.serial)
      if (inst && inst.gs1CompanyPrefix === s.companyPrefix && inst.gs1OfferCode === s.offerCode) add(inst, 'scan', s.code, null)
      else refuse(s.code, 'unknown_or_forged')
    } else {
      const list = f.lists.get(s.code)
      if (!list) refuse(s.code, 'unknown_or_forged')
      else if (list.householdId !== householdId) refuse(s.code, 'other_household')
      else if (!list.optedIn) refuse(s.code, 'household_opted_out')
      else for (const inst of f.instances) if (inst.listCode === s.code) add(inst, 'list', inst.code, s.code)
    }
  }
  if (f.cardApplies && f.card?.optedIn) {
    for (const inst of f.instances) {
      if (inst.householdId === f.card.householdId && inst.validFrom <= f.today && inst.expiresOn >= f.today) add(inst, 'card', inst.code, null)
    }
  }
  return out
}

/** A refusal, or the discount in cents. */
function check(inst: InstanceFacts, householdId: number | null, line: Line | undefined, today: string): Reason | number {
  if (inst.householdId !== householdId) return 'other_household'
  if (!inst.optedIn) return 'household_opted_out'
  if (inst.redeemedBy) return 'already_redeemed'
  if (inst.validFrom > today) return 'not_yet_valid'
  if (inst.expiresOn < today) return 'expired'
  if (!line) return 'item_not_in_basket'
  if (line.quantity < inst.minQuantity) return 'quantity_too_low'
  const discount = discountCents(inst.reward, inst.valueCents, inst.minQuantity, line.unitPriceCents)
  if (discount <= 0) return 'no_discount'
  if (budgetExhausted(inst, discount)) return 'budget_exhausted'
  return discount
}

/** What the counters say now; the commit re-checks in SQL under a row lock. */
export function budgetExhausted(inst: InstanceFacts, discount: number): boolean {
  if (inst.budgetCount !== null && inst.redeemedCount + 1 > inst.budgetCount) return true
  return inst.budgetCents !== null && inst.redeemedCents + discount > inst.budgetCents
}

/**
 * One offer per basket line (SKU): the largest discount wins (then a scanned code over one the list
 * or card brought, then the lower code), the others are refused as not_stackable.
 */
function unstack<T extends Applied>(passing: T[], considered: Considered[], refuse: (code: string, reason: Reason, c?: Considered) => void): T[] {
  const rank = (o: Origin) => (o === 'scan' ? 0 : 1)
  const best = new Map<string, T>()
  for (const p of passing) {
    const b = best.get(p.sku)
    const better = !b || p.discountCents > b.discountCents || (p.discountCents === b.discountCents && (rank(p.origin) < rank(b.origin) || (rank(p.origin) === rank(b.origin) && p.instanceCode < b.instanceCode)))
    if (better) best.set(p.sku, p)
  }
  const kept: T[] = []
  for (const p of passing) {
    if (best.get(p.sku) === p) kept.push(p)
    else refuse(p.code, 'not_stackable', considered.find((c) => c.inst.code === p.instanceCode))
  }
  return kept
}

function scannedLists(considered: Considered[]): string[] {
  return [...new Set(considered.flatMap((c) => (c.list === null ? [] : [c.list])))]
}

/** Bought lines by SKU: quantities add up; the lowest unit price counts (never more off than paid). */
function basketLines(items: readonly BasketItem[]): Map<string, Line> {
  const lines = new Map<string, Line>()
  for (const it of items) {
    if (it.quantity <= 0) continue
    const l = lines.get(it.sku)
    if (l) {
      l.quantity += it.quantity
      l.unitPriceCents = Math.min(l.unitPriceCents, it.unitPriceCents)
    } else lines.set(it.sku, { quantity: it.quantity, unitPriceCents: it.unitPriceCents })
  }
  return lines
}

/**
 * The discount of one redemption: the reward applied to `minQuantity` units at the lane's price,
 * never more than those units cost, and never more than the instance's face value (what the
 * offer's budget was charged at issue, docs/offers.md). A missing reward counts as its face value off.
 */
export function discountCents(reward: OfferReward | null, valueCents: number, minQuantity: number, unitPriceCents: number): number {
  const units = unitPriceCents * minQuantity
  let d: number
  if (reward === null) d = valueCents
  else if (reward.kind === 'amount_off') d = reward.amountCents
  else if (reward.kind === 'percent_off') d = Math.round((units * reward.percent) / 100)
  else d = Math.max(0, unitPriceCents - reward.priceCents) * minQuantity
  d = Math.min(d, units)
  return valueCents > 0 ? Math.min(d, valueCents) : d
}

/** The reward stored as JSON (offer_instance.reward or the list snapshot), or null if malformed. */
export function parseReward(raw: unknown): OfferReward | null {
  if (typeof raw !== 'object' || raw === null) return null
  const r = raw as Record<string, unknown>
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null)
  if (r.kind === 'amount_off' && n(r.amountCents) !== null) return { kind: 'amount_off', amountCents: n(r.amountCents)! }
  if (r.kind === 'percent_off' && n(r.percent) !== null) return { kind: 'percent_off', percent: n(r.percent)! }
  if (r.kind === 'fixed_price' && n(r.priceCents) !== null) return { kind: 'fixed_price', priceCents: n(r.priceCents)! }
  return null
}

const dayFormats = new Map<string, { format: Intl.DateTimeFormat; minute: number; day: string }>()

/** The calendar day of instant `t` in `timeZone`, YYYY-MM-DD (remembered per minute: every request asks). */
export function localDate(t: Date, timeZone: string): string {
  const minute = Math.floor(t.getTime() / 60_000)
  let f = dayFormats.get(timeZone)
  if (f?.minute === minute) return f.day
  if (!f) dayFormats.set(timeZone, (f = { format: new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }), minute: NaN, day: '' }))
  const p = Object.fromEntries(f.format.formatToParts(t).map((x) => [x.type, x.value]))
  f.minute = minute
  f.day = `${p.year}-${p.month}-${p.day}`
  return f.day
}
