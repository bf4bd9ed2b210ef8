import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { FunderInput, OfferInput } from './offers.schemas.ts'

// Data columns of `offer` (everything but the key and the timestamps), in one place so the upsert's
// insert, comparison and update lists cannot drift apart.
const OFFER_DATA = [
  'funder_id',
  'title',
  'description',
  'target_skus',
  'target_brand',
  'target_category',
  'target_subcategory',
  'reward_kind',
  'amount_cents',
  'percent',
  'price_cents',
  'min_quantity',
  'valid_from',
  'valid_to',
  'per_household_limit',
  'budget_cents',
  'budget_count',
  'funder_share_bp',
  'targeting',
  'conversion_from_brand_type',
  'usage_multipliers',
  'active',
  'gs1_offer_code',
] as const
const FUNDER_DATA = ['type', 'name', 'gs1_company_prefix', 'cap_cents'] as const

function offerRow(o: OfferInput): Record<(typeof OFFER_DATA)[number] | 'id', unknown> {
  const r = o.reward
  return {
    id: o.id,
    funder_id: o.funderId,
    title: o.title,
    description: o.description,
    target_skus: o.target.skus,
    target_brand: o.target.brand,
    target_category: o.target.category,
    target_subcategory: o.target.subcategory,
    reward_kind: r.kind,
    amount_cents: r.kind === 'amount_off' ? r.amountCents : null,
    percent: r.kind === 'percent_off' ? r.percent : null,
    price_cents: r.kind === 'fixed_price' ? r.priceCents : null,
    min_quantity: o.minQuantity,
    valid_from: o.validFrom,
    valid_to: o.validTo,
    per_household_limit: o.perHouseholdLimit,
    budget_cents: o.budgetCents,
    budget_count: o.budgetCount,
    funder_share_bp: Math.round(o.funderShare * 10_000),
    targeting: o.targeting,
    conversion_from_brand_type: o.conversion?.fromBrandType ?? null,
    usage_multipliers: o.usageMultipliers,
    active: o.active,
    gs1_offer_code: o.gs1OfferCode,
  }
}

function funderRow(f: FunderInput): Record<(typeof FUNDER_DATA)[number] | 'id', unknown> {
  return { id: f.id, type: f.type, name: f.name, gs1_company_prefix: f.gs1CompanyPrefix, cap_cents: f.capCents }
}

/**
 * Inserts or replaces rows of `table` by id in one statement. The rows travel as one JSON array read
 * by jsonb_populate_recordset, so arrays and jsonb columns need no per-type casts. A row identical to
 * the stored one is not touched (updated_at kept): a replayed upsert is a no-op. Ids must be unique.
 */
async function upsertById(db: Kysely<DB>, table: 'offer' | 'funder', columns: readonly string[], rows: readonly object[], now: Date) {
  if (rows.length === 0) return { created: 0, updated: 0 }
  const t = sql.raw(table)
  const list = (prefix: string) => sql.raw(columns.map((c) => `${prefix}${c}`).join(', '))
  const r = await sql<{ created: number; updated: number }>`
    WITH input AS MATERIALIZED (SELECT * FROM jsonb_populate_recordset(NULL::${t}, ${JSON.stringify(rows)}::jsonb)),
    changed AS (
      INSERT INTO ${t} AS cur (id, ${list('')}, created_at, updated_at)
      SELECT i.id, ${list('i.')}, ${now}::timestamptz, ${now}::timestamptz FROM input i
      -- Skip identical rows up front: ON CONFLICT DO UPDATE would lock, so write, each of them.
      WHERE (SELECT ROW(${list('x.')}) FROM ${t} x WHERE x.id = i.id) IS DISTINCT FROM ROW(${list('i.')})
      ON CONFLICT (id) DO UPDATE SET ${sql.raw(columns.map((c) => `${c} = excluded.${c}`).join(', '))}, updated_at = excluded.updated_at
      -- Checked again here: a concurrent writer may have stored the same values meanwhile.
      WHERE ROW(${list('cur.')}) IS DISTINCT FROM ROW(${list('excluded.')})
      -- xmax = 0 only on a freshly inserted row version: tells an insert from an update
      RETURNING (cur.xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int4 AS created, count(*) FILTER (WHERE NOT inserted)::int4 AS updated FROM changed
  `.execute(db)
  return r.rows[0]!
}

export function upsertOffers(db: Kysely<DB>, offers: readonly OfferInput[], now: Date) {
  return upsertById(db, 'offer', OFFER_DATA, offers.map(offerRow), now)
}

export function upsertFunders(db: Kysely<DB>, funders: readonly FunderInput[], now: Date) {
  return upsertById(db, 'funder', FUNDER_DATA, funders.map(funderRow), now)
}

/** Type of each of `ids` that exists. */
export async function funderTypes(db: Kysely<DB>, ids: readonly string[]): Promise<Map<string, 'store' | 'manufacturer'>> {
  if (ids.length === 0) return new Map()
  const rows = await db.selectFrom('funder').select(['id', 'type']).where('id', 'in', ids).execute()
  return new Map(rows.map((r) => [r.id, r.type]))
}

/** Stored offers other than the given ones that already use one of their (funder, GS1 offer code) pairs. */
export async function gs1CodeOwners(db: Kysely<DB>, offers: readonly { id: string; funderId: string; code: string }[]) {
  if (offers.length === 0) return []
  return sql<{ id: string; funder_id: string; gs1_offer_code: string }>`
    SELECT o.id, o.funder_id, o.gs1_offer_code
    FROM unnest(${offers.map((o) => o.id)}::text[], ${offers.map((o) => o.funderId)}::text[], ${offers.map((o) => o.code)}::text[])
      AS i(id, funder_id, code)
    JOIN offer o ON o.funder_id = i.funder_id AND o.gs1_offer_code = i.code AND o.id <> i.id
  `
    .execute(db)
    .then((r) => r.rows)
}

const FUNDER_COLUMNS = ['f.id as f_id', 'f.type as f_type', 'f.name as f_name', 'f.gs1_company_prefix', 'f.cap_cents'] as const

export function findOffer(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('offer as o')
    .innerJoin('funder as f', 'f.id', 'o.funder_id')
    .selectAll('o')
    .select(FUNDER_COLUMNS)
    .where('o.id', '=', id)
    .executeTakeFirst()
}
export type OfferRow = NonNullable<Awaited<ReturnType<typeof findOffer>>>

/** Every funder and every (funder, GS1 offer code) in use: what a CSV import checks its rows against. */
export async function loadFunderIndex(db: Kysely<DB>) {
  const funders = await db.selectFrom('funder').select(['id', 'type', 'name', 'gs1_company_prefix', 'cap_cents']).execute()
  const codes = await db.selectFrom('offer').select(['id', 'funder_id', 'gs1_offer_code']).where('gs1_offer_code', 'is not', null).execute()
  return { funders, codes }
}

/** Face value and count of an offer's instances: issued (printed on a list) and redeemed. */
export interface BudgetUse {
  readonly issuedCents: number
  readonly issuedCount: number
  readonly redeemedCents: number
  readonly redeemedCount: number
}

/**
 * What each offer has used of its budget. Budgets count face value issued (the worst case: every
 * instance redeemed), so `issued*` is what the allocator subtracts; `redeemed*` is for reports and
 * clearing. Offers without instances get zeros.
 */
export async function offerBudgetUse(db: Kysely<DB>, offerIds: readonly string[]): Promise<Map<string, BudgetUse>> {
  const use = new Map<string, BudgetUse>(offerIds.map((id) => [id, { issuedCents: 0, issuedCount: 0, redeemedCents: 0, redeemedCount: 0 }]))
  if (offerIds.length === 0) return use
  const rows = await db
    .selectFrom('offer_instance')
    .select((eb) => [
      'offer_id',
      sql<number>`coalesce(sum(value_cents), 0)::int8`.as('issued_cents'),
      eb.fn.countAll<number>().as('issued_count'),
      sql<number>`coalesce(sum(value_cents) FILTER (WHERE redeemed_at IS NOT NULL), 0)::int8`.as('redeemed_cents'),
      sql<number>`(count(*) FILTER (WHERE redeemed_at IS NOT NULL))::int8`.as('redeemed_count'),
    ])
    .where('offer_id', 'in', offerIds)
    .groupBy('offer_id')
    .execute()
  for (const r of rows) {
    use.set(r.offer_id, { issuedCents: r.issued_cents, issuedCount: r.issued_count, redeemedCents: r.redeemed_cents, redeemedCount: r.redeemed_count })
  }
  return use
}

/**
 * Each funder's liability already issued in one cycle: its share of the face value of the instances
 * printed for that cycle, rounded up per instance (as the allocator counts it). Funders without
 * instances get 0. Uses the offers' current share.
 */
export async function funderCycleUse(db: Kysely<DB>, funderIds: readonly string[], cycleStart: string): Promise<Map<string, number>> {
  const use = new Map<string, number>(funderIds.map((id) => [id, 0]))
  if (funderIds.length === 0) return use
  const rows = await db
    .selectFrom('offer_instance as i')
    .innerJoin('offer as o', 'o.id', 'i.offer_id')
    .select(['o.funder_id', sql<number>`sum(ceil(i.value_cents * o.funder_share_bp / 10000.0))::int8`.as('cents')])
    .where('o.funder_id', 'in', funderIds)
    .where('i.cycle_start', '=', cycleStart)
    .groupBy('o.funder_id')
    .execute()
  for (const r of rows) use.set(r.funder_id, r.cents)
  return use
}
