import { type Kysely, sql } from 'kysely'

// Placeholder products are written in bulk by ingestion (an import of a new chain's history makes
// tens of thousands of them) and read rarely: the catalog team's list of them and a count in
// `pantry stats`. Their two secondary index entries cost PostgreSQL about 45% of each placeholder's
// insert (18,700 placeholders: 117 ms with both indexes, 66 ms without, docs/import.md), so:
// - product_placeholder_idx goes: the list (GET /v1/products?placeholder=true, ordered by SKU)
//   walks the primary key and the count scans the table, a few milliseconds on a chain's catalog;
// - product_category_idx leaves out products without a category (placeholders have none): every
//   query by category names one, which implies it is not null.
// Frozen in time: never import from src/.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    DROP INDEX product_placeholder_idx;
    DROP INDEX product_category_idx;
    CREATE INDEX product_category_idx ON product (category, subcategory) WHERE category IS NOT NULL;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP INDEX product_category_idx;
    CREATE INDEX product_category_idx ON product (category, subcategory);
    CREATE INDEX product_placeholder_idx ON product (sku) WHERE placeholder;
  `.execute(db)
}
