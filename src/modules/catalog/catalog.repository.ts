import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { ProductInput } from './catalog.schemas.ts'

const PRODUCT_COLUMNS = [
  'sku',
  'name',
  'brand',
  'brand_type',
  'category',
  'subcategory',
  'size',
  'price_cents',
  'active',
  'placeholder',
  'created_at',
  'updated_at',
] as const

/**
 * Inserts or replaces products in one statement (input passed as column arrays through unnest, so
 * 5,000 rows are one round trip). Clears `placeholder`. A row identical to the stored one is left
 * alone (updated_at kept), which makes a replayed upsert a no-op. SKUs must be unique in `rows`.
 */
export async function upsertProducts(db: Kysely<DB>, rows: readonly ProductInput[], now: Date): Promise<{ created: number; updated: number }> {
  if (rows.length === 0) return { created: 0, updated: 0 }
  const col = <T>(f: (p: ProductInput) => T) => rows.map(f)
  const r = await sql<{ created: number; updated: number }>`
    WITH input AS MATERIALIZED (
      SELECT * FROM unnest(${col((p) => p.sku)}::text[], ${col((p) => p.name)}::text[], ${col((p) => p.brand)}::text[],
                           ${col((p) => p.brandType)}::text[], ${col((p) => p.category)}::text[], ${col((p) => p.subcategory)}::text[],
                           ${col((p) => p.size)}::text[], ${col((p) => p.priceCents)}::int4[], ${col((p) => p.active)}::bool[])
        AS t(sku, name, brand, brand_type, category, subcategory, size, price_cents, active)
    ), changed AS (
      INSERT INTO product AS p (sku, name, brand, brand_type, category, subcategory, size, price_cents, active,
                                placeholder, created_at, updated_at)
      SELECT i.*, false, ${now}::timestamptz, ${now}::timestamptz FROM input i
      -- Skip identical rows up front (ON CONFLICT DO UPDATE would lock, so write, each of them). A scalar
      -- subquery, not NOT EXISTS: that keeps one index probe per input row where an anti-join may scan the table.
      WHERE (SELECT ROW(x.name, x.brand, x.brand_type, x.category, x.subcategory, x.size, x.price_cents, x.active, x.placeholder)
             FROM product x WHERE x.sku = i.sku)
        IS DISTINCT FROM ROW(i.name, i.brand, i.brand_type, i.category, i.subcategory, i.size, i.price_cents, i.active, false)
      -- rows are locked in key order, so two overlapping batches cannot deadlock
      ORDER BY i.sku
      ON CONFLICT (sku) DO UPDATE SET
        name = excluded.name, brand = excluded.brand, brand_type = excluded.brand_type, category = excluded.category,
        subcategory = excluded.subcategory, size = excluded.size, price_cents = excluded.price_cents,
        active = excluded.active, placeholder = false, updated_at = excluded.updated_at
      -- Checked again here: a concurrent writer may have stored the same values meanwhile.
      WHERE (p.name, p.brand, p.brand_type, p.category, p.subcategory, p.size, p.price_cents, p.active, p.placeholder)
        IS DISTINCT FROM (excluded.name, excluded.brand, excluded.brand_type, excluded.category, excluded.subcategory,
                          excluded.size, excluded.price_cents, excluded.active, false)
      -- xmax = 0 only on a freshly inserted row version: tells an insert from an update
      RETURNING (p.xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int4 AS created, count(*) FILTER (WHERE NOT inserted)::int4 AS updated
    FROM changed
  `.execute(db)
  return r.rows[0]!
}

export function findProduct(db: Kysely<DB>, sku: string) {
  return db.selectFrom('product').select(PRODUCT_COLUMNS).where('sku', '=', sku).executeTakeFirst()
}

/** One page of products ordered by SKU, after the cursor `after` (keyset pagination on the PK). */
export function listProducts(db: Kysely<DB>, q: { placeholder?: boolean; after?: string; limit: number }) {
  let query = db.selectFrom('product').select(PRODUCT_COLUMNS).orderBy('sku').limit(q.limit)
  if (q.placeholder !== undefined) query = query.where('placeholder', '=', q.placeholder)
  if (q.after !== undefined) query = query.where('sku', '>', q.after)
  return query.execute()
}

export type ProductRow = NonNullable<Awaited<ReturnType<typeof findProduct>>>
