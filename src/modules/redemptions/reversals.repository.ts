import { type Kysely, sql } from 'kysely'
import { withPrepared } from '../../db/prepared.ts'
import type { DB } from '../../db/schema.ts'

// Voids and returns: a redemption line is reversed once (conditional UPDATE ... WHERE voided_at IS
// NULL), and in the same statement its instance is given back (only if this transaction still holds
// it) and its offer's redemption budget refunded.

export type ReversalTarget =
  | { readonly storeId: string; readonly transactionId: string; readonly skus: readonly string[] | null }
  | { readonly codes: readonly string[] }

export interface Reversal {
  readonly reason: 'void' | 'return'
  /** The transaction that reverses: the voided one itself, or the return basket. */
  readonly byStoreId: string
  readonly byTransactionId: string
  readonly at: Date
}

/** Reverses the live lines of the target; returns how many. */
export async function reverseLines(db: Kysely<DB>, target: ReversalTarget, r: Reversal): Promise<number> {
  const where =
    'codes' in target
      ? sql`l.code = ANY(${target.codes}::text[])`
      : target.skus === null
        ? sql`l.store_id = ${target.storeId} AND l.transaction_id = ${target.transactionId}`
        : sql`l.store_id = ${target.storeId} AND l.transaction_id = ${target.transactionId} AND l.sku = ANY(${target.skus}::text[])`
  const res = await sql<{ n: number }>`
    WITH v AS (
      UPDATE redemption_line l
      SET voided_at = ${r.at}, void_reason = ${r.reason}, void_store_id = ${r.byStoreId}, void_transaction_id = ${r.byTransactionId}
      WHERE ${where} AND l.voided_at IS NULL
      RETURNING l.store_id, l.transaction_id, l.code, l.offer_id, l.discount_cents
    ), ${reversalEffects}
    SELECT count(*)::int4 AS n FROM v`.execute(db)
  return res.rows[0]?.n ?? 0
}

/**
 * What reversing the lines of CTE `v` (their store_id, transaction_id, code, offer_id,
 * discount_cents) does besides: each instance is given back, if its redemption still holds it, and
 * each offer's budget refunded.
 */
const reversalEffects = sql`freed AS (
      UPDATE offer_instance i SET redeemed_at = NULL, redeemed_store_id = NULL, redeemed_transaction_id = NULL
      FROM v WHERE i.code = v.code AND i.redeemed_store_id = v.store_id AND i.redeemed_transaction_id = v.transaction_id
      RETURNING i.code
    ), refund AS (
      UPDATE offer_budget b
      SET redeemed_count = b.redeemed_count - x.n, redeemed_cents = b.redeemed_cents - x.cents
      FROM (SELECT offer_id, count(*)::int4 AS n, sum(discount_cents)::int8 AS cents FROM v GROUP BY offer_id) x
      WHERE b.offer_id = x.offer_id
      RETURNING b.offer_id
    )`

/** Marks a whole transaction voided (its lines are reversed by reverseLines). False: no such redemption. */
export async function markVoided(db: Kysely<DB>, storeId: string, transactionId: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('redemption')
    .set({ voided_at: sql`COALESCE(voided_at, ${at}::timestamptz)` })
    .where('store_id', '=', storeId)
    .where('transaction_id', '=', transactionId)
    .returning('store_id')
    .executeTakeFirst()
  return r !== undefined
}

export async function redemptionExists(db: Kysely<DB>, storeId: string, transactionId: string): Promise<boolean> {
  const r = await db.selectFrom('redemption').select('store_id').where('store_id', '=', storeId).where('transaction_id', '=', transactionId).executeTakeFirst()
  return r !== undefined
}

/** The reversed lines of a transaction, and whether each instance can be redeemed again on `today`. */
export async function reversedLines(db: Kysely<DB>, storeId: string, transactionId: string, skus: readonly string[] | null, today: string) {
  let q = db
    .selectFrom('redemption_line as l')
    .innerJoin('offer_instance as i', 'i.code', 'l.code')
    .select(['l.code', 'l.offer_id', 'l.sku', 'l.discount_cents', 'l.void_reason'])
    .select(sql<boolean>`i.redeemed_at IS NULL AND i.expires_on >= ${today}::date`.as('restored'))
    .where('l.store_id', '=', storeId)
    .where('l.transaction_id', '=', transactionId)
    .where('l.voided_at', 'is not', null)
  if (skus !== null) q = q.where('l.sku', '=', sql<string>`ANY(${skus}::text[])`)
  return q.orderBy('l.code').execute()
}

export interface ReturnClaim {
  /** The return basket. */
  readonly storeId: string
  readonly transactionId: string
  readonly cardNumber: string
  readonly sku: string
}

/**
 * Claims each (return basket, SKU) once, with the latest live redemption of the SKU by the card's
 * household (the code to reverse, or null; a card not enrolled claims nothing), and reverses the
 * claimed lines, in one statement: atomic, so a claim never stands without its reversal. Rows
 * already claimed are skipped: a replayed basket restores nothing twice. Several return baskets of
 * one household and SKU in one call each take a different redemption, latest first, as they would
 * one after the other. Returns the number of lines reversed.
 */
export async function claimReturns(db: Kysely<DB>, rows: readonly ReturnClaim[], at: Date): Promise<number> {
  // prepared (prepared.ts): run for nearly every group of posted baskets, and planning it costs more than running it
  const statement = sql<{ n: number }>`/* pantry_claim_returns */
    WITH r AS (
      SELECT r.s, r.t, c.household_id AS h, r.k, row_number() OVER (PARTITION BY c.household_id, r.k ORDER BY r.s, r.t) AS n
      FROM unnest(${rows.map((x) => x.storeId)}::text[], ${rows.map((x) => x.transactionId)}::text[],
                  ${rows.map((x) => x.cardNumber)}::text[], ${rows.map((x) => x.sku)}::text[]) AS r(s, t, card, k)
      JOIN loyalty_card c ON c.card_number = r.card
      WHERE NOT EXISTS (SELECT 1 FROM redemption_return x WHERE x.store_id = r.s AND x.transaction_id = r.t AND x.sku = r.k)
    ), claim AS (
      INSERT INTO redemption_return (store_id, transaction_id, sku, code, created_at)
      SELECT r.s, r.t, r.k,
             (SELECT l.code FROM redemption_line l
              WHERE l.household_id = r.h AND l.sku = r.k AND l.voided_at IS NULL
              ORDER BY l.redeemed_at DESC, l.code OFFSET r.n - 1 LIMIT 1),
             ${at}
      FROM r
      ORDER BY r.s, r.t, r.k  -- one lock order for every caller: by basket, then SKU
      ON CONFLICT DO NOTHING
      RETURNING store_id, transaction_id, code
    ), v AS (
      -- the return basket reverses the line it claimed
      UPDATE redemption_line l
      SET voided_at = ${at}, void_reason = 'return', void_store_id = c.store_id, void_transaction_id = c.transaction_id
      FROM claim c WHERE l.code = c.code AND l.voided_at IS NULL
      RETURNING l.store_id, l.transaction_id, l.code, l.offer_id, l.discount_cents
    ), ${reversalEffects}
    SELECT count(*)::int4 AS n FROM v`
  const { rows: counted } = await statement.execute(withPrepared(db))
  return counted[0]?.n ?? 0
}
