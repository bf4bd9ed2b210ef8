import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { Window } from './segments.model.ts'

// Net units per (household, subcategory) by brand type, for the brand-loyalty × usage cells.
// Sums stay numeric (exact) until the end: usage ties are found by equality, and float sums could
// differ in the last bit between two plans. Products without a subcategory or a brand type are
// left out; a brand type's net units below zero (more returned than bought) count as zero.

const inWindow = (w: Window) =>
  sql`l.household_id <> 0 AND l.occurred_at >= ${w.from}::timestamptz AND l.occurred_at < ${w.to}::timestamptz`

const UNITS = sql`
  greatest(coalesce(sum(l.quantity) FILTER (WHERE p.brand_type = 'national'), 0), 0) AS national_units,
  greatest(coalesce(sum(l.quantity) FILTER (WHERE p.brand_type = 'store'), 0), 0) AS store_units`

/** One household's units per subcategory in `w`, from its own index range (the key is household first). */
const mine = (w: Window, householdId: number) => sql`
      SELECT p.subcategory AS category, ${UNITS}
      FROM transaction_line l JOIN product p ON p.sku = l.sku
      WHERE l.household_id = ${householdId}::int8 AND ${inWindow(w)} AND p.subcategory IS NOT NULL AND p.brand_type IS NOT NULL
      GROUP BY p.subcategory`

export interface BrandUnitsRow {
  household_id: number
  category: string
  national_units: number
  store_units: number
  units: number
  tertile: number
}

/**
 * Every buyer's units per subcategory (optionally one) and its usage tertile among the
 * subcategory's buyers (households with positive net units): ntile(3) by units with household id
 * as tie-break, then equal units take the lowest tertile any of them drew.
 */
export async function brandUnits(db: Kysely<DB>, w: Window, category?: string): Promise<BrandUnitsRow[]> {
  const r = await sql<BrandUnitsRow>`
    SELECT household_id, category, national_units::float8, store_units::float8, units::float8, tertile
    FROM (${rankedUnits(w, category)}) ranked
    ORDER BY household_id, category`.execute(db)
  return r.rows
}

/** brandUnits' ranking, units still numeric: one row per (buyer, subcategory) with its tertile. */
function rankedUnits(w: Window, category: string | undefined): RawBuilder<unknown> {
  return sql`
    WITH u AS (
      SELECT l.household_id, p.subcategory AS category, ${UNITS}
      FROM transaction_line l JOIN product p ON p.sku = l.sku
      WHERE ${inWindow(w)} AND p.subcategory IS NOT NULL AND p.brand_type IS NOT NULL
        AND ${category === undefined ? sql`true` : sql`p.subcategory = ${category}`}
      GROUP BY l.household_id, p.subcategory
    ), drawn AS (
      SELECT u.*, national_units + store_units AS units,
             ntile(3) OVER (PARTITION BY category ORDER BY national_units + store_units, household_id) AS t0
      FROM u WHERE national_units + store_units > 0
    )
    SELECT household_id, category, national_units, store_units, units,
           min(t0) OVER (PARTITION BY category, units)::int AS tertile
    FROM drawn`
}

export interface UsageCutRow {
  category: string
  tertile: number
  /** The fewest units any buyer of the subcategory in this tertile bought. */
  min_units: number
}

/**
 * The population side of the usage tertiles, from brandUnits' own ranking: per subcategory and
 * tertile drawn, the fewest units that drew it. A buyer with u units is in the highest tertile
 * whose fewest units are ≤ u (segment-cuts.ts), which is the tertile brandUnits gives it.
 */
export async function usageCuts(db: Kysely<DB>, w: Window): Promise<UsageCutRow[]> {
  const r = await sql<UsageCutRow>`
    SELECT category, tertile, min(units)::float8 AS min_units
    FROM (${rankedUnits(w, undefined)}) ranked
    GROUP BY category, tertile
    ORDER BY category, tertile`.execute(db)
  return r.rows
}

export interface CategoryUnitsRow {
  category: string
  national_units: number
  store_units: number
  units: number
}

/**
 * One household's net units per subcategory it bought in `w` (positive total only), from its own
 * index range, unranked, by subcategory: the rows brandUnits has for it.
 */
export async function householdCategoryUnits(db: Kysely<DB>, w: Window, householdId: number): Promise<CategoryUnitsRow[]> {
  const r = await sql<CategoryUnitsRow>`
    WITH mine AS (${mine(w, householdId)})
    SELECT category, national_units::float8, store_units::float8, (national_units + store_units)::float8 AS units
    FROM mine WHERE national_units + store_units > 0
    ORDER BY category`.execute(db)
  return r.rows
}

export interface HouseholdBrandUnitsRow {
  category: string
  national_units: number
  store_units: number
  units: number
  /** Buyers of the subcategory, and how many of them bought strictly fewer units. */
  buyers: number
  below: number
}

/**
 * One household's units per subcategory, with where it stands among each subcategory's buyers.
 * Same ranking as brandUnits but without sorting the population: the household's tertile follows
 * from `below` and `buyers` (segments.model.ts#ntileOf), which halves the cost of a profile.
 */
export async function householdBrandUnits(db: Kysely<DB>, w: Window, householdId: number): Promise<HouseholdBrandUnitsRow[]> {
  const r = await sql<HouseholdBrandUnitsRow>`
    WITH mine AS MATERIALIZED (${mine(w, householdId)}), bought AS (
      SELECT category, national_units, store_units, national_units + store_units AS units
      FROM mine WHERE national_units + store_units > 0
    ), buyers AS (
      SELECT u.household_id, u.category, u.national_units + u.store_units AS units
      FROM (
        SELECT l.household_id, p.subcategory AS category, ${UNITS}
        FROM transaction_line l JOIN product p ON p.sku = l.sku
        WHERE ${inWindow(w)} AND p.brand_type IS NOT NULL AND p.subcategory IN (SELECT category FROM bought)
        GROUP BY l.household_id, p.subcategory
      ) u
      WHERE u.national_units + u.store_units > 0
    )
    SELECT b.category, b.national_units::float8, b.store_units::float8, b.units::float8,
           count(*)::int AS buyers, (count(*) FILTER (WHERE x.units < b.units))::int AS below
    FROM bought b JOIN buyers x ON x.category = b.category
    GROUP BY b.category, b.national_units, b.store_units, b.units
    ORDER BY b.category`.execute(db)
  return r.rows
}
