import { type Kysely, sql } from 'kysely'
import type { DB, RedemptionSource } from '../../db/schema.ts'
import { type HouseholdFacts, type InstanceFacts, parseReward } from './redemption-rules.ts'
import type { RedemptionResult } from './redemptions.schemas.ts'

// Lookups and the one-time claim of offer instances. Every write that decides something is a
// single conditional statement, so concurrent lanes are settled by PostgreSQL row locks, never by
// a read followed by a write (docs/redemption.md, "Concurrency"). The statements of the checkout
// path carry a name comment: they are prepared once per connection (prepared.ts).

export interface Households {
  readonly card: HouseholdFacts | null
  readonly lists: Map<string, HouseholdFacts>
}

/** The household of a loyalty card and of scanned list codes, in one round trip. */
export async function findHouseholds(db: Kysely<DB>, card: string | null, lists: readonly string[]): Promise<Households> {
  const r = await sql<{ k: 'card' | 'list'; key: string; household_id: number; opted_in: boolean }>`/* redeem_households */
    SELECT 'card' AS k, c.card_number AS key, c.household_id, h.opted_in
    FROM loyalty_card c CROSS JOIN LATERAL (SELECT opted_in FROM household WHERE id = c.household_id OFFSET 0) h
    WHERE c.card_number = ${card}
    UNION ALL
    SELECT 'list', l.list_code, l.household_id, h.opted_in
    FROM issued_list l CROSS JOIN LATERAL (SELECT opted_in FROM household WHERE id = l.household_id OFFSET 0) h
    WHERE l.list_code = ANY(${lists}::text[])`.execute(db)
  let cardFacts: HouseholdFacts | null = null
  const listFacts = new Map<string, HouseholdFacts>()
  for (const row of r.rows) {
    const f = { householdId: row.household_id, optedIn: row.opted_in }
    if (row.k === 'card') cardFacts = f
    else listFacts.set(row.key, f)
  }
  return { card: cardFacts, lists: listFacts }
}

export interface InstanceQuery {
  readonly codes: readonly string[]
  readonly serials: readonly string[]
  readonly lists: readonly string[]
  /** The card's household: its instances valid on `today` come too. */
  readonly householdId: number | null
  readonly today: string
}

interface InstanceRow {
  code: string
  household_id: number
  list_code: string
  offer_id: string
  sku: string
  value_cents: number
  min_quantity: number
  valid_from: string
  expires_on: string
  redeemed_at: Date | null
  redeemed_store_id: string | null
  redeemed_transaction_id: string | null
  gs1_serial: string | null
  reward: unknown
  opted_in: boolean
  gs1_company_prefix: string | null
  gs1_offer_code: string | null
  budget_count: number | null
  budget_cents: number | null
  redeemed_count: number
  redeemed_cents: number
}

/**
 * Every instance named by code, GS1 serial or list, or valid today for the card's household, with
 * what deciding it needs. One plain index scan per way of naming (UNION ALL: an empty array costs
 * next to nothing), rather than one bitmap scan OR-ing them. The printed reward comes from the instance, else from the list snapshot,
 * else from the offer (COALESCE stops at the first that is there). The lookups per instance are
 * LATERAL ... OFFSET 0, so that the prepared (generic) plan probes them by key, per instance,
 * instead of hashing whole tables when it cannot see how few instances the arrays name.
 */
export async function findInstances(db: Kysely<DB>, q: InstanceQuery): Promise<InstanceFacts[]> {
  const r = await sql<InstanceRow>`/* redeem_instances */
    SELECT i.code, i.household_id, i.list_code, i.offer_id, i.sku, i.value_cents, i.min_quantity, i.valid_from,
           i.expires_on, i.redeemed_at, i.redeemed_store_id, i.redeemed_transaction_id, i.gs1_serial,
           COALESCE(i.reward,
             (SELECT e -> 'reward' FROM issued_list l, jsonb_array_elements(l.snapshot -> 'offers') e
              WHERE l.list_code = i.list_code AND e ->> 'code' = i.code LIMIT 1),
             CASE WHEN o.id IS NOT NULL THEN jsonb_build_object('kind', o.reward_kind, 'amountCents', o.amount_cents,
                                                                'percent', o.percent, 'priceCents', o.price_cents) END) AS reward,
           h.opted_in, o.gs1_company_prefix, o.gs1_offer_code, o.budget_count, o.budget_cents,
           COALESCE(o.redeemed_count, 0) AS redeemed_count, COALESCE(o.redeemed_cents, 0) AS redeemed_cents
    FROM (
      SELECT * FROM offer_instance WHERE code = ANY(${q.codes}::text[])
      UNION ALL SELECT * FROM offer_instance WHERE gs1_serial = ANY(${q.serials}::text[])
      UNION ALL SELECT * FROM offer_instance WHERE list_code = ANY(${q.lists}::text[])
      UNION ALL SELECT * FROM offer_instance
                WHERE household_id = ${q.householdId}::int8 AND expires_on >= ${q.today}::date AND valid_from <= ${q.today}::date
    ) i
    CROSS JOIN LATERAL (SELECT opted_in FROM household WHERE id = i.household_id OFFSET 0) h
    LEFT JOIN LATERAL (
      SELECT o.id, o.reward_kind, o.amount_cents, o.percent, o.price_cents, o.gs1_offer_code, o.budget_count, o.budget_cents,
             f.gs1_company_prefix, b.redeemed_count, b.redeemed_cents
      FROM offer o LEFT JOIN funder f ON f.id = o.funder_id LEFT JOIN offer_budget b ON b.offer_id = o.id
      WHERE o.id = i.offer_id OFFSET 0
    ) o ON true`.execute(db)
  // An instance named twice (by its code and by its list) comes back once per way.
  const byCode = new Map<string, InstanceFacts>()
  for (const row of r.rows) if (!byCode.has(row.code)) byCode.set(row.code, toFacts(row))
  return [...byCode.values()]
}

function toFacts(r: InstanceRow): InstanceFacts {
  return {
    code: r.code,
    householdId: r.household_id,
    listCode: r.list_code,
    offerId: r.offer_id,
    sku: r.sku,
    valueCents: r.value_cents,
    minQuantity: r.min_quantity,
    validFrom: r.valid_from,
    expiresOn: r.expires_on,
    redeemedBy: r.redeemed_at === null ? null : { storeId: r.redeemed_store_id, transactionId: r.redeemed_transaction_id },
    reward: parseReward(r.reward),
    optedIn: r.opted_in,
    gs1Serial: r.gs1_serial,
    gs1CompanyPrefix: r.gs1_company_prefix,
    gs1OfferCode: r.gs1_offer_code,
    budgetCount: r.budget_count,
    budgetCents: r.budget_cents,
    redeemedCount: r.redeemed_count,
    redeemedCents: r.redeemed_cents,
  }
}

export interface Settlement {
  readonly header: RedemptionHeader
  /** The candidates in the answer's order. */
  readonly applied: readonly { code: string; offerId: string; sku: string; discountCents: number; instanceCode: string }[]
  /** What was refused before any claim. */
  readonly rejected: readonly { code: string; reason: string }[]
}

/**
 * Settles a commit in one statement, the `redeem_settle` function of migration 0008: takes the
 * idempotency key (a request racing another with the same key waits for it, then finds the key
 * taken), claims the candidates still unredeemed with a conditional UPDATE (a lane that finds an
 * instance locked by another waits for it to commit, then sees redeemed_at set: of twenty lanes
 * committing one code exactly one gets it), charges each offer's redemption budget with an upsert
 * whose WHERE is judged on the latest committed counts, writes the redemption lines, gives back
 * what a budget refused, and stores the answer under the key. Returns that answer, or null when
 * the key was already taken (then nothing was written). One round trip, where BEGIN, claim,
 * release, key and COMMIT took five.
 */
export async function settleRedemption(db: Kysely<DB>, s: Settlement): Promise<RedemptionResult | null> {
  const h = s.header
  const order = [...s.applied].sort((a, b) => (a.instanceCode < b.instanceCode ? -1 : a.instanceCode > b.instanceCode ? 1 : 0))
  const r = await sql<{ result: RedemptionResult | null }>`/* redeem_settle */
    SELECT redeem_settle(${h.storeId}, ${h.transactionId}, ${h.lane}, ${h.householdId}::int8, ${h.source}, ${h.requestHash},
                         ${h.createdAt}::timestamptz, ${h.occurredAt}::timestamptz, ${order.map((a) => a.instanceCode)}::text[],
                         ${order.map((a) => a.discountCents)}::int4[], ${JSON.stringify(s.applied)}::jsonb, ${JSON.stringify(s.rejected)}::jsonb) AS result`.execute(db)
  return r.rows[0]?.result ?? null
}

/** Which transaction holds each of these instances now (for double-redemption exceptions). */
export async function holdersOf(db: Kysely<DB>, codes: readonly string[]): Promise<Map<string, { storeId: string | null; transactionId: string | null }>> {
  if (codes.length === 0) return new Map()
  const rows = await db
    .selectFrom('offer_instance')
    .select(['code', 'redeemed_store_id', 'redeemed_transaction_id'])
    .where('code', '=', sql<string>`ANY(${codes}::text[])`)
    .execute()
  return new Map(rows.map((r) => [r.code, { storeId: r.redeemed_store_id, transactionId: r.redeemed_transaction_id }]))
}

export interface RedemptionHeader {
  readonly storeId: string
  readonly transactionId: string
  readonly lane: string | null
  readonly householdId: number | null
  readonly source: RedemptionSource
  readonly requestHash: string
  /** Business time: the lane's clock for offline replays and baskets, else the service's. */
  readonly occurredAt: Date
  readonly createdAt: Date
}

export async function findRedemption(db: Kysely<DB>, storeId: string, transactionId: string) {
  return db
    .selectFrom('redemption')
    .select(['result', 'request_hash', 'voided_at'])
    .where('store_id', '=', storeId)
    .where('transaction_id', '=', transactionId)
    .executeTakeFirst()
}

export interface ExceptionRow {
  readonly kind: string
  readonly code: string
  readonly offerId: string | null
  readonly storeId: string
  readonly transactionId: string
  readonly lane: string | null
  readonly occurredAt: Date
  readonly otherStoreId: string | null
  readonly otherTransactionId: string | null
  readonly createdAt: Date
}

export async function insertExceptions(trx: Kysely<DB>, rows: readonly ExceptionRow[]): Promise<void> {
  if (rows.length === 0) return
  await trx
    .insertInto('redemption_exception')
    .values(
      rows.map((e) => ({
        kind: e.kind,
        code: e.code,
        offer_id: e.offerId,
        store_id: e.storeId,
        transaction_id: e.transactionId,
        lane: e.lane,
        occurred_at: e.occurredAt,
        other_store_id: e.otherStoreId,
        other_transaction_id: e.otherTransactionId,
        created_at: e.createdAt,
      })),
    )
    .onConflict((oc) => oc.columns(['store_id', 'transaction_id', 'code']).doNothing())
    .execute()
}
