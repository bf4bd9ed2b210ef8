import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'

// Read-only views of redemption: a code's status for the cashier, and what reports and the next
// cycle need (per-offer redemptions and their reversals, the exceptions to review).

const instanceColumns = ['i.code', 'i.offer_id', 'i.sku', 'i.valid_from', 'i.expires_on', 'i.redeemed_at'] as const

/** One instance by its offer code: one indexed SELECT (bench:redeem's floor). */
export async function instanceByCode(db: Kysely<DB>, code: string) {
  return db.selectFrom('offer_instance as i').select(instanceColumns).where('i.code', '=', code).executeTakeFirst()
}

/** One instance by the serial of its GS1 coupon, with the offer's GS1 identity to check the coupon against. */
export async function instanceBySerial(db: Kysely<DB>, serial: string) {
  return db
    .selectFrom('offer_instance as i')
    .leftJoin('offer as o', 'o.id', 'i.offer_id')
    .leftJoin('funder as f', 'f.id', 'o.funder_id')
    .select([...instanceColumns, 'o.gs1_offer_code', 'f.gs1_company_prefix'])
    .where('i.gs1_serial', '=', serial)
    .executeTakeFirst()
}

/** A list and its instances; empty when the list does not exist. */
export async function listInstances(db: Kysely<DB>, listCode: string) {
  return db
    .selectFrom('issued_list as l')
    .leftJoin('offer_instance as i', 'i.list_code', 'l.list_code')
    .select(['l.cycle_start', 'i.code', 'i.offer_id', 'i.sku', 'i.valid_from', 'i.expires_on', 'i.redeemed_at'])
    .where('l.list_code', '=', listCode)
    .orderBy('i.code')
    .execute()
}

/** Per offer, redemptions made on the store days [from, to] in `timeZone`: live and reversed. */
export async function offerRedemptions(db: Kysely<DB>, from: string, to: string, timeZone: string) {
  const r = await sql<{ offer_id: string; redeemed_count: number; redeemed_cents: number; voided_count: number; voided_cents: number }>`
    SELECT offer_id,
           count(*) FILTER (WHERE voided_at IS NULL)::int4 AS redeemed_count,
           coalesce(sum(discount_cents) FILTER (WHERE voided_at IS NULL), 0)::int8 AS redeemed_cents,
           count(*) FILTER (WHERE voided_at IS NOT NULL)::int4 AS voided_count,
           coalesce(sum(discount_cents) FILTER (WHERE voided_at IS NOT NULL), 0)::int8 AS voided_cents
    FROM redemption_line
    WHERE redeemed_at >= (${from}::date)::timestamp AT TIME ZONE ${timeZone}
      AND redeemed_at < (${to}::date + 1)::timestamp AT TIME ZONE ${timeZone}
    GROUP BY offer_id ORDER BY offer_id`.execute(db)
  return r.rows
}

export async function exceptionCounts(db: Kysely<DB>, from: string, to: string, timeZone: string) {
  const r = await sql<{ open: number; total: number }>`
    SELECT count(*) FILTER (WHERE reviewed_at IS NULL)::int4 AS open, count(*)::int4 AS total
    FROM redemption_exception
    WHERE created_at >= (${from}::date)::timestamp AT TIME ZONE ${timeZone}
      AND created_at < (${to}::date + 1)::timestamp AT TIME ZONE ${timeZone}`.execute(db)
  return r.rows[0] ?? { open: 0, total: 0 }
}

export async function listExceptions(db: Kysely<DB>, openOnly: boolean, limit: number) {
  let q = db.selectFrom('redemption_exception').selectAll().orderBy('id').limit(limit)
  if (openOnly) q = q.where('reviewed_at', 'is', null)
  return q.execute()
}

/**
 * Marks an exception reviewed, once: the first review's time and note stand, a repeat changes
 * nothing (a conditional UPDATE, so two analysts at once cannot both write). Undefined when the
 * exception does not exist; otherwise the row as it stands after the call.
 */
export async function markExceptionReviewed(db: Kysely<DB>, id: number, at: Date, note: string | null) {
  const updated = await db
    .updateTable('redemption_exception')
    .set({ reviewed_at: at, note })
    .where('id', '=', id)
    .where('reviewed_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
  return updated ?? db.selectFrom('redemption_exception').selectAll().where('id', '=', id).executeTakeFirst()
}
