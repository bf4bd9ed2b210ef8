import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { AttributeRule, AttributeRules } from './attribute-rules.ts'
import type { Window } from './segments.model.ts'

// Set-based reads behind loyalty, RFM, tiers and attributes: one statement each over a window
// [from, to) of lines (partition pruning on occurred_at) or of basket headers; household 0, the
// basket without a card, never counts. Passing `householdId` to a ranking keeps the population
// (quintiles and tiers are relative to it) and filters only the rows returned. Net spend =
// Σ quantity·unit_price − discount, so a return (negative quantity) takes its value back.

const NET = sql`(l.quantity * l.unit_price_cents - l.discount_cents)`

function inWindow(w: Window): RawBuilder<unknown> {
  return sql`l.household_id <> 0 AND l.occurred_at >= ${w.from}::timestamptz AND l.occurred_at < ${w.to}::timestamptz`
}

const onlyHousehold = (householdId: number | undefined, column: RawBuilder<unknown>) =>
  householdId === undefined ? sql`true` : sql`${column} = ${householdId}::int8`

export interface SpendRow {
  household_id: number
  external_id: string
  opted_in: boolean
  spend_cents: number
}

/** Opted-in households whose net spend in `w` is at least `minSpendCents`, by household id. */
export async function qualifiedSpend(db: Kysely<DB>, w: Window, minSpendCents: number): Promise<SpendRow[]> {
  const r = await sql<SpendRow>`
    SELECT h.id AS household_id, h.external_id, h.opted_in, s.spend_cents
    FROM (
      SELECT l.household_id, round(sum(${NET}))::int8 AS spend_cents
      FROM transaction_line l
      WHERE ${inWindow(w)}
      GROUP BY l.household_id
      -- unrounded, as predictions' loyalty rule compares it: exactly at the threshold qualifies
      HAVING sum(${NET}) >= ${minSpendCents}
    ) s
    JOIN household h ON h.id = s.household_id AND h.opted_in
    ORDER BY h.id`.execute(db)
  return r.rows
}

/**
 * One household's net spend in `w` (0 without lines), unrounded (fractional quantities make
 * fractional cents) so it compares with the threshold exactly as qualifiedSpend does.
 */
export async function householdSpend(db: Kysely<DB>, householdId: number, w: Window): Promise<number> {
  const r = await sql<{ spend_cents: number }>`
    SELECT coalesce(sum(${NET}), 0) AS spend_cents
    FROM transaction_line l
    WHERE l.household_id = ${householdId}::int8 AND ${inWindow(w)}`.execute(db)
  return r.rows[0]?.spend_cents ?? 0
}

export interface ValueRow {
  household_id: number
  recency_days: number
  frequency: number
  monetary_cents: number
  r: number
  f: number
  m: number
  /** Share of the population's positive spend made by households that spent strictly more. */
  share_above: number
}

export interface MeasuresRow {
  household_id: number
  recency_days: number
  frequency: number
  monetary_cents: number
}

/** R, F and M per household with a visit in `w` (all, or those `only` keeps): what valueScores ranks. */
function measures(w: Window, only: RawBuilder<unknown>): RawBuilder<MeasuresRow> {
  return sql<MeasuresRow>`
      SELECT t.household_id,
             floor(extract(epoch FROM (${w.to}::timestamptz - max(t.occurred_at) FILTER (WHERE t.total_cents > 0))) / 86400)::int AS recency_days,
             (count(*) FILTER (WHERE t.total_cents > 0))::int AS frequency,
             sum(t.total_cents)::int8 AS monetary_cents
      FROM pos_transaction t
      WHERE t.household_id <> 0 AND ${only} AND t.occurred_at >= ${w.from}::timestamptz AND t.occurred_at < ${w.to}::timestamptz
      GROUP BY t.household_id
      HAVING count(*) FILTER (WHERE t.total_cents > 0) > 0`
}

/**
 * One household's R, F and M in `w`, from its own index range (pos_transaction_household_idx),
 * unranked; undefined without a visit in `w`. The same expressions valueScores ranks.
 */
export async function householdMeasures(db: Kysely<DB>, w: Window, householdId: number): Promise<MeasuresRow | undefined> {
  const r = await measures(w, sql`t.household_id = ${householdId}::int8`).execute(db)
  return r.rows[0]
}

/**
 * RFM quintiles and the pyramid rank of every household with a visit in `w`, in one pass over the
 * basket headers: pos_transaction holds one row per basket, its total_cents the same net spend
 * summed per line at ingestion, so the scan is ~10x smaller than the lines'. A visit is a basket
 * with a positive net total (a return-only trip is not one); recency counts whole days from the
 * last visit to `w.to`. Quintiles come from ntile(5) with household id as tie-break, then each
 * group of equal values takes the lowest quintile any of its members drew: equal values score
 * equal and a tie never lifts anyone.
 */
export async function valueScores(db: Kysely<DB>, w: Window, householdId?: number): Promise<ValueRow[]> {
  const r = await sql<ValueRow>`
    WITH hh AS (${measures(w, sql`true`)}), drawn AS (
      SELECT hh.*,
             ntile(5) OVER (ORDER BY recency_days DESC, household_id) AS r0,
             ntile(5) OVER (ORDER BY frequency, household_id) AS f0,
             ntile(5) OVER (ORDER BY monetary_cents, household_id) AS m0,
             -- running total through the household's peers, minus the peers: what bigger spenders
             -- made. (A frame with EXCLUDE GROUP says the same but re-sums the frame per row: O(n²).)
             sum(greatest(monetary_cents, 0)) OVER (ORDER BY monetary_cents DESC)
               - sum(greatest(monetary_cents, 0)) OVER (PARTITION BY monetary_cents) AS above,
             sum(greatest(monetary_cents, 0)) OVER () AS total
      FROM hh
    ), scored AS (
      SELECT household_id, recency_days, frequency, monetary_cents,
             min(r0) OVER (PARTITION BY recency_days)::int AS r,
             min(f0) OVER (PARTITION BY frequency)::int AS f,
             min(m0) OVER (PARTITION BY monetary_cents)::int AS m,
             CASE WHEN total > 0 THEN above::float8 / total::float8 ELSE 1 END AS share_above
      FROM drawn
    )
    SELECT * FROM scored WHERE ${onlyHousehold(householdId, sql`household_id`)}
    ORDER BY household_id`.execute(db)
  return r.rows
}

export interface AttributeRow {
  household_id: number
  trips: number
  pet_trips: number
  baby_trips: number
  spend_cents: number
  produce_cents: number
}

function matches(key: RawBuilder<unknown>, rule: AttributeRule): RawBuilder<unknown> {
  return sql`(${key} LIKE ANY(${[...rule.include]}::text[]) AND NOT ${key} LIKE ANY(${[...rule.exclude]}::text[]))`
}

/** Per household with purchases in `w`: baskets with pet or baby items, and produce's net spend. */
export async function attributeEvidence(db: Kysely<DB>, w: Window, rules: AttributeRules, householdId?: number): Promise<AttributeRow[]> {
  const key = sql`k.key`
  const r = await sql<AttributeRow>`
    SELECT l.household_id,
           (count(DISTINCT l.transaction_id) FILTER (WHERE l.quantity > 0))::int AS trips,
           (count(DISTINCT l.transaction_id) FILTER (WHERE l.quantity > 0 AND ${matches(key, rules.pet)}))::int AS pet_trips,
           (count(DISTINCT l.transaction_id) FILTER (WHERE l.quantity > 0 AND ${matches(key, rules.baby)}))::int AS baby_trips,
           round(sum(${NET}))::int8 AS spend_cents,
           coalesce(round(sum(${NET}) FILTER (WHERE ${matches(key, rules.produce)})), 0)::int8 AS produce_cents
    FROM transaction_line l
    LEFT JOIN product p ON p.sku = l.sku
    CROSS JOIN LATERAL (SELECT upper(coalesce(p.category, '') || '/' || coalesce(p.subcategory, '')) AS key) k
    WHERE ${inWindow(w)} AND ${onlyHousehold(householdId, sql`l.household_id`)}
    GROUP BY l.household_id
    HAVING bool_or(l.quantity > 0)
    ORDER BY l.household_id`.execute(db)
  return r.rows
}

export interface CardHousehold {
  household_id: number
  external_id: string
  opted_in: boolean
}

export async function householdByCard(db: Kysely<DB>, cardNumber: string): Promise<CardHousehold | undefined> {
  return db
    .selectFrom('loyalty_card as c')
    .innerJoin('household as h', 'h.id', 'c.household_id')
    .select(['h.id as household_id', 'h.external_id', 'h.opted_in'])
    .where('c.card_number', '=', cardNumber)
    .executeTakeFirst()
}

export async function productNames(db: Kysely<DB>, skus: readonly string[]): Promise<Map<string, string>> {
  if (skus.length === 0) return new Map()
  const rows = await db.selectFrom('product').select(['sku', 'name']).where('sku', 'in', [...skus]).execute()
  return new Map(rows.map((r) => [r.sku, r.name]))
}
