import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { AllocationFunder, AllocationOffer } from '../offers/allocate.types.ts'
import { type Reward, targeting, usageMultipliers } from '../offers/offers.schemas.ts'
import type { CatalogItem, OfferMeta } from './build-list.ts'

// What the cycle reads besides its own tables: the catalog and the offers with what is left of
// their budgets. Adapts the offers module's rows to its pure allocator's input.

/** Active products, by SKU. */
export async function loadCatalog(db: Kysely<DB>): Promise<Map<string, CatalogItem>> {
  const rows = await db
    .selectFrom('product')
    .select(['sku', 'name', 'brand', 'brand_type', 'category', 'subcategory', 'size', 'price_cents'])
    .where('active', '=', true)
    .execute()
  return new Map(
    rows.map((r) => [
      r.sku,
      { sku: r.sku, name: r.name, brand: r.brand, brandType: r.brand_type, category: r.category, subcategory: r.subcategory, size: r.size, priceCents: r.price_cents },
    ]),
  )
}

export interface CycleOffer {
  readonly allocation: AllocationOffer
  readonly meta: OfferMeta
  /** Field 2 of the AI (8110) coupon, with the funder's prefix: manufacturer offers cleared by GS1. */
  readonly gs1: { readonly companyPrefix: string; readonly offerCode: string } | null
  /** The offer's whole budget (null = none), for the check when a chunk of lists is written. */
  readonly budget: { readonly cents: number | null; readonly count: number | null }
}

const left = (budget: number | null, used: number) => (budget === null ? null : Math.max(0, budget - used))

function rewardOf(r: { reward_kind: string; amount_cents: number | null; percent: number | null; price_cents: number | null }): Reward {
  if (r.reward_kind === 'amount_off') return { kind: 'amount_off', amountCents: r.amount_cents! }
  if (r.reward_kind === 'percent_off') return { kind: 'percent_off', percent: r.percent! }
  return { kind: 'fixed_price', priceCents: r.price_cents! }
}

/**
 * Active offers with the budget left before this cycle: budget minus the face value issued in
 * every other cycle. This cycle's own instances are not subtracted, because the cycle recomputes
 * its whole allocation on every run (a resumed run repeats the same decisions); what it already
 * wrote is checked again chunk by chunk when it writes.
 */
export async function loadOffers(db: Kysely<DB>, start: string): Promise<CycleOffer[]> {
  const rows = await sql<OfferJoinRow>`
    SELECT o.*, f.type AS funder_type, f.name AS funder_name, f.gs1_company_prefix,
           coalesce(u.cents, 0)::int8 AS used_cents, coalesce(u.n, 0)::int8 AS used_count
    FROM offer o JOIN funder f ON f.id = o.funder_id
    LEFT JOIN LATERAL (
      SELECT sum(i.value_cents) AS cents, count(*) AS n FROM offer_instance i
      WHERE i.offer_id = o.id AND i.cycle_start <> ${start}::date
    ) u ON true
    WHERE o.active
    ORDER BY o.id`.execute(db)
  return rows.rows.map(toCycleOffer)
}

interface OfferJoinRow {
  id: string
  funder_id: string
  title: string
  target_skus: string[]
  target_brand: string | null
  target_category: string | null
  target_subcategory: string | null
  reward_kind: string
  amount_cents: number | null
  percent: number | null
  price_cents: number | null
  min_quantity: number
  valid_from: string | null
  valid_to: string | null
  per_household_limit: number
  budget_cents: number | null
  budget_count: number | null
  funder_share_bp: number
  targeting: unknown
  conversion_from_brand_type: 'national' | null
  usage_multipliers: unknown
  gs1_offer_code: string | null
  funder_type: 'store' | 'manufacturer'
  funder_name: string
  gs1_company_prefix: string | null
  used_cents: number
  used_count: number
}

function toCycleOffer(r: OfferJoinRow): CycleOffer {
  const allocation: AllocationOffer = {
    id: r.id,
    funderId: r.funder_id,
    title: r.title,
    target: { skus: r.target_skus, brand: r.target_brand, category: r.target_category, subcategory: r.target_subcategory },
    reward: rewardOf(r),
    minQuantity: r.min_quantity,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    perHouseholdLimit: r.per_household_limit,
    remainingCents: left(r.budget_cents, r.used_cents),
    remainingCount: left(r.budget_count, r.used_count),
    funderShareBp: r.funder_share_bp,
    targeting: targeting.parse(r.targeting),
    conversion: r.conversion_from_brand_type ? { fromBrandType: r.conversion_from_brand_type } : null,
    usageMultipliers: r.usage_multipliers === null ? null : usageMultipliers.parse(r.usage_multipliers),
  }
  const funder = { type: r.funder_type, name: r.funder_name, ...(r.gs1_company_prefix ? { gs1CompanyPrefix: r.gs1_company_prefix } : {}) }
  const gs1 = r.funder_type === 'manufacturer' && r.gs1_company_prefix && r.gs1_offer_code ? { companyPrefix: r.gs1_company_prefix, offerCode: r.gs1_offer_code } : null
  return { allocation, meta: { title: r.title, funder }, gs1, budget: { cents: r.budget_cents, count: r.budget_count } }
}

/** Funders of `ids` with their full per-cycle cap (recomputed whole on every run, as the offers). */
export async function loadFunders(db: Kysely<DB>, ids: readonly string[]): Promise<AllocationFunder[]> {
  if (ids.length === 0) return []
  const rows = await db.selectFrom('funder').select(['id', 'cap_cents']).where('id', 'in', [...ids]).orderBy('id').execute()
  return rows.map((r) => ({ id: r.id, remainingCapCents: r.cap_cents }))
}

/** Instances of each offer each household received in other cycles: the per-household limits. */
export async function issuedBefore(db: Kysely<DB>, start: string, offerIds: readonly string[]): Promise<Map<number, Record<string, number>>> {
  const out = new Map<number, Record<string, number>>()
  if (offerIds.length === 0) return out
  const rows = await db
    .selectFrom('offer_instance')
    .select((eb) => ['household_id', 'offer_id', eb.fn.countAll<number>().as('n')])
    .where('offer_id', 'in', [...offerIds])
    .where('cycle_start', '<>', start)
    .groupBy(['household_id', 'offer_id'])
    .execute()
  for (const r of rows) (out.get(r.household_id) ?? out.set(r.household_id, {}).get(r.household_id)!)[r.offer_id] = Number(r.n)
  return out
}
