import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { DayRow } from './history-fold.ts'
import { dayToDate, type HouseholdMeta } from './predictions.repository.ts'

/**
 * One household's side of the prediction queries, for scoring a single household (the profile)
 * against a population fit made once per as-of day (household-scorer.ts). Each reads only the
 * household's own index range: transaction_line's primary key starts with (household_id,
 * occurred_at), so the lookback window is one range scan per monthly partition.
 */

/** The household as householdPage returns it; undefined for an unknown id or household 0. */
export async function householdMetaById(db: Kysely<DB>, householdId: number): Promise<HouseholdMeta | undefined> {
  const r = await sql<HouseholdMeta>`
    SELECT h.id, h.external_id AS "externalId", h.opted_in AS "optedIn",
      (SELECT min(c.card_number) FROM loyalty_card c WHERE c.household_id = h.id) AS "cardNumber"
    FROM household h
    WHERE h.id = ${householdId} AND h.id <> 0`.execute(db)
  return r.rows[0]
}

/**
 * The household's purchase days in [fromDay, toDay), in the order dayRows gives them (day, then
 * SKU in C collation): the fold sums floating-point terms in row order, so the same order is what
 * makes a single-household score equal, bit for bit, to the one `pantry predict` prints.
 */
export async function householdDayRows(db: Kysely<DB>, householdId: number, range: { fromDay: number; toDay: number }): Promise<DayRow[]> {
  const r = await sql<DayRow>`
    SELECT l.sku,
      ((l.occurred_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01') AS day,
      sum(l.quantity)::float8 AS qty,
      sum(l.quantity * l.unit_price_cents - l.discount_cents)::float8 AS "spendCents"
    FROM transaction_line l
    WHERE l.household_id = ${householdId}
      AND l.occurred_at >= ${dayToDate(range.fromDay)} AND l.occurred_at < ${dayToDate(range.toDay)}
    GROUP BY 1, 2
    ORDER BY 2, l.sku COLLATE "C"`.execute(db)
  return r.rows
}

/** Highest basket id so far (0 for none): the watermark a population fit is taken at. */
export async function lastTransactionId(db: Kysely<DB>): Promise<number> {
  const r = await sql<{ top: number | null }>`SELECT max(id) AS top FROM pos_transaction`.execute(db)
  return r.rows[0]?.top ?? 0
}

/**
 * Baskets stored after a watermark: the current highest id, and whether any of those after
 * `afterId` happened before `beforeDay` (a late basket, e.g. a lane replaying its offline queue,
 * or an import of past days). Reads only the id index range above the watermark.
 */
export async function basketsSince(db: Kysely<DB>, afterId: number, beforeDay: number): Promise<{ top: number; late: boolean }> {
  const r = await sql<{ top: number | null; late: boolean }>`
    SELECT (SELECT max(id) FROM pos_transaction) AS top,
      EXISTS (SELECT 1 FROM pos_transaction WHERE id > ${afterId} AND occurred_at < ${dayToDate(beforeDay)}) AS late`.execute(db)
  const row = r.rows[0]
  return { top: row?.top ?? 0, late: row?.late ?? false }
}
