import type { Ctx } from '../../context.ts'
import { sqlState, UNIQUE_VIOLATION } from '../../db/sql-state.ts'
import { withTransaction } from '../../db/transaction.ts'
import { AppError, badRequest, conflict, type FieldError, notFound } from '../../errors.ts'
import { type BudgetUse, findOffer, funderTypes, gs1CodeOwners, offerBudgetUse, type OfferRow, upsertFunders, upsertOffers } from './offers.repository.ts'
import { type OfferCounts, type OfferDto, type OfferInput, type PutOffersBody, type Reward, targeting, usageMultipliers } from './offers.schemas.ts'

/**
 * Bulk upsert of funders, then offers, in one transaction (or the caller's: the strict CSV import).
 * Offers must name a funder that exists or is in `funders`; a GS1 offer code belongs to a manufacturer
 * offer and to one offer per funder. Replaying the same body changes nothing.
 */
export async function putOffers(ctx: Ctx, body: PutOffersBody): Promise<OfferCounts> {
  const now = ctx.now()
  try {
    return await withTransaction(ctx.db, async (db) => {
      const funders = await upsertFunders(db, body.funders, now)
      await checkReferences({ ...ctx, db }, body.offers)
      const offers = await upsertOffers(db, body.offers, now)
      const counts = { ...offers, unchanged: body.offers.length - offers.created - offers.updated }
      const funderCounts = { ...funders, unchanged: body.funders.length - funders.created - funders.updated }
      ctx.log.debug({ offers: counts, funders: funderCounts }, 'upserted offers')
      return { ...counts, funders: funderCounts }
    })
  } catch (err) {
    // A concurrent writer took the same (funder, GS1 offer code) between our check and our write.
    if (sqlState(err) === UNIQUE_VIOLATION) throw conflict('a GS1 offer code is already used by another offer of the funder')
    throw err
  }
}

async function checkReferences(ctx: Ctx, offers: readonly OfferInput[]): Promise<void> {
  const types = await funderTypes(ctx.db, [...new Set(offers.map((o) => o.funderId))])
  const errors: FieldError[] = []
  offers.forEach((o, i) => {
    const type = types.get(o.funderId)
    if (!type) errors.push({ field: `offers[${i}].funderId`, message: `unknown funder ${o.funderId}: list it in funders` })
    else if (o.gs1OfferCode && type !== 'manufacturer') {
      errors.push({ field: `offers[${i}].gs1OfferCode`, message: 'only a manufacturer offer carries a GS1 offer code' })
    }
  })
  if (errors.length > 0) throw badRequest(`${errors[0]!.field}: ${errors[0]!.message}`, errors)
  const withCode = offers.flatMap((o, i) => (o.gs1OfferCode ? [{ i, id: o.id, funderId: o.funderId, code: o.gs1OfferCode }] : []))
  const taken = await gs1CodeOwners(ctx.db, withCode)
  for (const t of taken) {
    const o = withCode.find((w) => w.funderId === t.funder_id && w.code === t.gs1_offer_code)!
    errors.push({ field: `offers[${o.i}].gs1OfferCode`, message: `already used by offer ${t.id} of funder ${t.funder_id}` })
  }
  if (errors.length > 0) throw conflict(`${errors[0]!.field}: ${errors[0]!.message}`, errors)
}

export async function getOffer(ctx: Ctx, id: string): Promise<OfferDto> {
  const row = await findOffer(ctx.db, id)
  if (!row) throw notFound(`no offer with id ${id}`)
  const use = (await offerBudgetUse(ctx.db, [id])).get(id)!
  return toDto(row, use)
}

function rewardOf(r: OfferRow): Reward {
  switch (r.reward_kind) {
    case 'amount_off':
      return { kind: 'amount_off', amountCents: r.amount_cents! }
    case 'percent_off':
      return { kind: 'percent_off', percent: r.percent! }
    case 'fixed_price':
      return { kind: 'fixed_price', priceCents: r.price_cents! }
  }
}

/** What is left of a budget after the face value issued; null when there is no such budget. */
const left = (budget: number | null, used: number) => (budget === null ? null : Math.max(0, budget - used))

function toDto(r: OfferRow, use: BudgetUse): OfferDto {
  const parsedTargeting = targeting.safeParse(r.targeting)
  if (!parsedTargeting.success) throw new AppError(500, 'CORRUPT_OFFER', 'Internal server error', `offer ${r.id} has invalid targeting`)
  return {
    id: r.id,
    funder: { id: r.f_id, type: r.f_type, name: r.f_name, gs1CompanyPrefix: r.gs1_company_prefix, capCents: r.cap_cents },
    title: r.title,
    description: r.description,
    target: { skus: r.target_skus, brand: r.target_brand, category: r.target_category, subcategory: r.target_subcategory },
    reward: rewardOf(r),
    minQuantity: r.min_quantity,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    perHouseholdLimit: r.per_household_limit,
    budgetCents: r.budget_cents,
    budgetCount: r.budget_count,
    funderShare: r.funder_share_bp / 10_000,
    targeting: parsedTargeting.data,
    conversion: r.conversion_from_brand_type ? { fromBrandType: r.conversion_from_brand_type } : null,
    usageMultipliers: r.usage_multipliers === null ? null : usageMultipliers.parse(r.usage_multipliers),
    active: r.active,
    gs1OfferCode: r.gs1_offer_code,
    budget: { ...use, remainingCents: left(r.budget_cents, use.issuedCents), remainingCount: left(r.budget_count, use.issuedCount) },
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  }
}
