import type { Ctx } from '../../context.ts'
import { lockForTransaction } from '../../db/advisory-lock.ts'
import { deriveCode, deriveSerial, gs1CouponElementString } from '../codes/codes.ts'
import { allocateOffers } from '../offers/allocate.ts'
import type { AllocationFunder, Assignment } from '../offers/allocate.types.ts'
import { funderCycleUse, offerBudgetUse } from '../offers/offers.repository.ts'
import { buildSnapshot, type CatalogItem, type InstanceCodes, instanceKey } from './build-list.ts'
import type { ContentLibrary } from './content.ts'
import type { CycleDates, CycleParams } from './cycle.params.ts'
import { type IssuedListRow, insertLists, takenSerials } from './cycle.repository.ts'
import type { HouseholdPlan } from './cycle-households.ts'
import type { CycleOffer } from './cycle-inputs.repository.ts'

// Step 3 of the cycle: allocate the offers over every list-arm household at once, then write the
// lists in chunks, one transaction per chunk (each household's list with its offer instances).
// The allocation is recomputed whole on every run from the same inputs, so a resumed run makes
// the same decisions and writes only the households a killed run did not reach.

/** Budget lock shared by every cycle: two cycles writing at once must not both spend an offer. */
const BUDGET_LOCK = 'offer-budgets'

export interface IssueContext {
  readonly dates: CycleDates
  readonly params: CycleParams
  readonly secret: string
  readonly catalog: ReadonlyMap<string, CatalogItem>
  readonly offers: readonly CycleOffer[]
  readonly funders: readonly AllocationFunder[]
  readonly content: ContentLibrary
}

export function allocate(ic: IssueContext, plans: readonly HouseholdPlan[]): Map<string, Assignment[]> {
  const products = [...ic.catalog.values()].filter((p) => p.brandType === 'store')
  const result = allocateOffers({
    cycle: { start: ic.dates.start, end: ic.dates.end },
    households: plans.map((p) => p.allocation),
    offers: ic.offers.map((o) => o.allocation),
    funders: ic.funders,
    products,
    params: { valueCurve: { topCents: ic.params.offers.topCents, topWorthCents: ic.params.offers.topWorthCents } },
  })
  const byHousehold = new Map<string, Assignment[]>()
  for (const a of result.assignments) (byHousehold.get(a.householdId) ?? byHousehold.set(a.householdId, []).get(a.householdId)!).push(a)
  return byHousehold
}

/**
 * The assignments that still fit the budgets as stored now (this chunk's transaction holds the
 * budget lock). A run with unchanged inputs drops nothing; one resumed after offers, budgets or
 * late baskets changed cannot overspend. Order: household, then SKU (the allocator's order).
 */
async function stillFitting(ctx: Ctx, ic: IssueContext, assignments: readonly Assignment[]): Promise<Set<Assignment>> {
  const offerIds = [...new Set(assignments.map((a) => a.offerId))]
  const funderIds = [...new Set(assignments.map((a) => a.funderId))]
  const [use, funderUse] = await Promise.all([offerBudgetUse(ctx.db, offerIds), funderCycleUse(ctx.db, funderIds, ic.dates.start)])
  const offers = new Map(ic.offers.map((o) => [o.allocation.id, o]))
  const caps = new Map(ic.funders.map((f) => [f.id, f.remainingCapCents]))
  const cents = new Map(offerIds.map((id) => [id, use.get(id)!.issuedCents]))
  const count = new Map(offerIds.map((id) => [id, use.get(id)!.issuedCount]))
  const funded = new Map(funderIds.map((id) => [id, funderUse.get(id) ?? 0]))
  const ok = new Set<Assignment>()
  for (const a of assignments) {
    const b = offers.get(a.offerId)!.budget
    const cap = caps.get(a.funderId) ?? null
    const fits =
      (b.cents === null || cents.get(a.offerId)! + a.valueCents <= b.cents) &&
      (b.count === null || count.get(a.offerId)! + 1 <= b.count) &&
      (cap === null || funded.get(a.funderId)! + a.funderCents <= cap)
    if (!fits) continue
    cents.set(a.offerId, cents.get(a.offerId)! + a.valueCents)
    count.set(a.offerId, count.get(a.offerId)! + 1)
    funded.set(a.funderId, funded.get(a.funderId)! + a.funderCents)
    ok.add(a)
  }
  if (ok.size < assignments.length) ctx.log.warn({ dropped: assignments.length - ok.size }, 'offers dropped: budgets changed since the allocation')
  return ok
}

const seedOf = (ic: IssueContext, h: HouseholdPlan, a?: Assignment) => `${ic.dates.start}/${h.household.externalId}${a ? `/${instanceKey(a)}` : ''}`

/**
 * Codes of the chunk's instances, derived from (secret, cycle, household, offer, SKU) so a resumed
 * run derives the same ones. A GS1 serial has only 10^10 values: one already taken (by another
 * cycle or household) is derived again with a suffix, deterministically.
 */
async function deriveCodes(ctx: Ctx, ic: IssueContext, chunk: readonly { plan: HouseholdPlan; assignments: readonly Assignment[] }[]) {
  const codes = new Map<HouseholdPlan, Map<string, InstanceCodes>>()
  const serials: { plan: HouseholdPlan; a: Assignment; seed: string; serial: string; attempt: number }[] = []
  const offers = new Map(ic.offers.map((o) => [o.allocation.id, o]))
  for (const { plan, assignments } of chunk) {
    const own = new Map<string, InstanceCodes>()
    for (const a of assignments) {
      const seed = seedOf(ic, plan, a)
      own.set(instanceKey(a), { code: deriveCode(ic.secret, 'offer', seed), gs1Serial: null, gs1: null })
      if (offers.get(a.offerId)!.gs1) serials.push({ plan, a, seed, serial: deriveSerial(ic.secret, seed), attempt: 0 })
    }
    codes.set(plan, own)
  }
  const taken = await takenSerials(ctx.db, serials.map((s) => s.serial))
  const used = new Set<string>()
  for (const s of serials) {
    while (used.has(s.serial) || taken.has(s.serial)) {
      s.attempt++
      s.serial = deriveSerial(ic.secret, `${s.seed}#${s.attempt}`)
      for (const t of await takenSerials(ctx.db, [s.serial])) taken.add(t)
    }
    used.add(s.serial)
  }
  for (const s of serials) {
    const gs1 = gs1String(ctx, offers.get(s.a.offerId)!, s.a, s.serial)
    const own = codes.get(s.plan)!
    if (gs1) own.set(instanceKey(s.a), { ...own.get(instanceKey(s.a))!, gs1Serial: s.serial, gs1 })
  }
  return codes
}

function gs1String(ctx: Ctx, o: CycleOffer, a: Assignment, serial: string): string | null {
  try {
    return gs1CouponElementString({
      companyPrefix: o.gs1!.companyPrefix,
      offerCode: o.gs1!.offerCode,
      saveValueCents: a.valueCents,
      purchaseRequirement: a.minQuantity,
      expiresOn: a.expiresOn,
      startsOn: a.validFrom,
      serial,
      dontMultiply: true,
    })
  } catch (err) {
    // e.g. a face value above $999.99: printed with our own code only
    ctx.log.warn({ offerId: a.offerId, err: (err as Error).message }, 'no GS1 coupon for this instance')
    return null
  }
}

/** Builds and writes one chunk of lists in one transaction; returns the lists and instances written. */
export async function writeChunk(ctx: Ctx, ic: IssueContext, chunk: readonly HouseholdPlan[], assigned: ReadonlyMap<string, Assignment[]>) {
  return ctx.db.transaction().execute(async (trx) => {
    const tctx = { ...ctx, db: trx }
    await lockForTransaction(trx, BUDGET_LOCK)
    const all = chunk.flatMap((p) => assigned.get(p.household.externalId) ?? [])
    const fitting = await stillFitting(tctx, ic, all)
    const withOffers = chunk.map((plan) => ({ plan, assignments: (assigned.get(plan.household.externalId) ?? []).filter((a) => fitting.has(a)) }))
    const codes = await deriveCodes(tctx, ic, withOffers)
    const offerMeta = new Map(ic.offers.map((o) => [o.allocation.id, o.meta]))
    const rows: IssuedListRow[] = withOffers.map(({ plan, assignments }) => {
      const h = plan.household
      const { snapshot, instances } = buildSnapshot({
        listCode: deriveCode(ic.secret, 'list', seedOf(ic, plan)),
        cycle: { start: ic.dates.start, end: ic.dates.end },
        household: { householdId: h.externalId, cardNumber: h.cardNumber, name: h.name, postalCode: h.postalCode },
        store: plan.store,
        selection: plan.selection,
        assignments,
        offers: offerMeta,
        codes: codes.get(plan)!,
        catalog: ic.catalog,
        attributeTags: plan.attributeTags,
        content: ic.content,
        settings: ic.params.list,
      })
      const offerValueCents = instances.reduce((s, i) => s + i.valueCents, 0)
      return { householdId: h.id, listCode: snapshot.listCode, storeId: plan.store.id, cardNumber: h.cardNumber, postalCode: h.postalCode, snapshot, offerValueCents, instances }
    })
    await insertLists(trx, ic.dates.start, rows, ctx.now())
    return { lists: rows.length, offers: rows.reduce((s, r) => s + r.instances.length, 0), offerCents: rows.reduce((s, r) => s + r.offerValueCents, 0) }
  })
}
