import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { DayRow } from './history-fold.ts'

/**
 * The prediction queries. Lines are collapsed in SQL to one row per (household, SKU, UTC day) —
 * distinct purchase days, research notes §6.1 — and read one household range at a time (keyset
 * chunks over household.id, each an index range scan on every monthly partition's primary key), so
 * memory stays flat however many households there are. The per-pair sums are folded from these
 * rows in TypeScript (history-fold.ts) rather than with GROUP BY in SQL: one scan then yields the
 * statistics at every calibration cutoff as well as at the as-of date (see docs/prediction.md for
 * the measured comparison).
 */
export interface HouseholdMeta {
  readonly id: number
  readonly externalId: string
  readonly optedIn: boolean
  /** The household's first card (min card_number); null for a household without a card. */
  readonly cardNumber: string | null
}

export const MS_PER_DAY = 86_400_000

export function dayToDate(day: number): Date {
  return new Date(day * MS_PER_DAY)
}

/** Next page of households after `afterId`, in id order. */
export async function householdPage(db: Kysely<DB>, afterId: number, limit: number): Promise<HouseholdMeta[]> {
  const r = await sql<HouseholdMeta>`
    SELECT h.id, h.external_id AS "externalId", h.opted_in AS "optedIn",
      (SELECT min(c.card_number) FROM loyalty_card c WHERE c.household_id = h.id) AS "cardNumber"
    FROM household h
    WHERE h.id > ${afterId} AND h.id <> 0
    ORDER BY h.id
    LIMIT ${limit}`.execute(db)
  return r.rows
}

/**
 * Households with a basket in [fromDay, toDay): sizes the deterministic samples. Counted from the
 * data before the cutoff (not from the household table), so households added later cannot change
 * a past prediction.
 */
export async function countShoppingHouseholds(db: Kysely<DB>, fromDay: number, toDay: number): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(DISTINCT household_id)::int8 AS n FROM pos_transaction
    WHERE household_id <> 0 AND occurred_at >= ${dayToDate(fromDay)} AND occurred_at < ${dayToDate(toDay)}`.execute(db)
  return r.rows[0]?.n ?? 0
}

export interface DayRowOf extends DayRow {
  readonly householdId: number
}

/**
 * Purchase days of households in (afterId, lastId] with lines in [fromDay, toDay), ordered by
 * household and day. `only` restricts the range to a sample of households. Spend is net of
 * returns and discounts, in cents.
 */
export async function dayRows(
  db: Kysely<DB>,
  range: { afterId: number; lastId: number; fromDay: number; toDay: number; only?: readonly number[] },
): Promise<DayRowOf[]> {
  const only = range.only ? sql`AND l.household_id = ANY(${sql.val(range.only)}::int8[])` : sql``
  const r = await sql<DayRowOf>`
    SELECT l.household_id AS "householdId", l.sku,
      ((l.occurred_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01') AS day,
      sum(l.quantity)::float8 AS qty,
      sum(l.quantity * l.unit_price_cents - l.discount_cents)::float8 AS "spendCents"
    FROM transaction_line l
    WHERE l.household_id > ${range.afterId} AND l.household_id <= ${range.lastId}
      AND l.occurred_at >= ${dayToDate(range.fromDay)} AND l.occurred_at < ${dayToDate(range.toDay)}
      ${only}
    GROUP BY 1, 2, 3
    -- SKU last too: a fixed order makes every floating-point sum, and so every replay, identical
    ORDER BY 1, 3, l.sku COLLATE "C"`.execute(db)
  return r.rows
}

/** Product group of every SKU that has one: 'category/subcategory' (or the category alone). */
export async function productGroups(db: Kysely<DB>): Promise<Map<string, string>> {
  const r = await sql<{ sku: string; grp: string }>`
    SELECT sku, category || coalesce('/' || subcategory, '') AS grp
    FROM product WHERE category IS NOT NULL`.execute(db)
  return new Map(r.rows.map((x) => [x.sku, x.grp]))
}

/** First and last purchase day in the database (for the backtest's default range and checks). */
export async function lineDayRange(db: Kysely<DB>): Promise<{ first: number | null; last: number | null }> {
  const r = await sql<{ first: number | null; last: number | null }>`
    SELECT (min(occurred_at) AT TIME ZONE 'UTC')::date - DATE '1970-01-01' AS first,
           (max(occurred_at) AT TIME ZONE 'UTC')::date - DATE '1970-01-01' AS last
    FROM transaction_line WHERE household_id <> 0`.execute(db)
  return r.rows[0] ?? { first: null, last: null }
}

/**
 * Loyal households at an as-of date: opted in and an average net spend of at least
 * `weeklyCents` per week over the `weeks` weeks before it. A placeholder for the segments module;
 * the model applies the same rule to its streamed rows (loyalty-rule.ts) and a test keeps the two
 * in agreement.
 */
export async function qualifiedLoyalHouseholds(
  db: Kysely<DB>,
  asOfDay: number,
  rule: { weeklyCents: number; weeks: number },
): Promise<number[]> {
  const r = await sql<{ id: number }>`
    SELECT h.id
    FROM household h
    JOIN transaction_line l ON l.household_id = h.id
    WHERE h.opted_in AND h.id <> 0
      AND l.occurred_at >= ${dayToDate(asOfDay - rule.weeks * 7)} AND l.occurred_at < ${dayToDate(asOfDay)}
    GROUP BY h.id
    HAVING sum(l.quantity * l.unit_price_cents - l.discount_cents) >= ${rule.weeklyCents * rule.weeks}
    ORDER BY h.id`.execute(db)
  return r.rows.map((x) => x.id)
}
