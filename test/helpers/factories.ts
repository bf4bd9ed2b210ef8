import { type Kysely, sql } from 'kysely'
import type { BrandType, DB } from '../../src/db/schema.ts'

// Typed builders for test data, straight SQL into the real tables (no service logic in between,
// so a test states exactly the rows it means). Each returns the id it created.

export async function makeStore(db: Kysely<DB>, id = 's1'): Promise<string> {
  await sql`INSERT INTO store (id) VALUES (${id}) ON CONFLICT DO NOTHING`.execute(db)
  return id
}

export interface ProductSpec {
  readonly sku: string
  readonly name?: string
  readonly brandType?: BrandType | null
  readonly category?: string | null
  readonly subcategory?: string | null
  readonly priceCents?: number
}

export async function makeProduct(db: Kysely<DB>, p: ProductSpec): Promise<string> {
  await db
    .insertInto('product')
    .values({
      sku: p.sku,
      name: p.name ?? `Product ${p.sku}`,
      brand_type: p.brandType === undefined ? 'national' : p.brandType,
      category: p.category === undefined ? 'GROCERY' : p.category,
      subcategory: p.subcategory === undefined ? 'MISC' : p.subcategory,
      price_cents: p.priceCents ?? 100,
    })
    .execute()
  return p.sku
}

export interface HouseholdSpec {
  readonly externalId?: string
  readonly optedIn?: boolean
  readonly cards?: readonly string[]
  /** Explicit internal id (e.g. 0, the no-card household). */
  readonly id?: number
}

let households = 0

export async function makeHousehold(db: Kysely<DB>, h: HouseholdSpec = {}): Promise<number> {
  households++
  const row = await db
    .insertInto('household')
    .values({
      ...(h.id === undefined ? {} : { id: h.id }),
      external_id: h.externalId ?? `auto-${households}`,
      opted_in: h.optedIn ?? true,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  for (const card of h.cards ?? []) {
    await db.insertInto('loyalty_card').values({ card_number: card, household_id: row.id }).execute()
  }
  return row.id
}

export interface LineSpec {
  readonly sku: string
  readonly quantity?: number
  readonly unitPriceCents: number
  readonly discountCents?: number
}

export interface BasketSpec {
  readonly householdId: number
  readonly at: Date | string
  readonly lines: readonly LineSpec[]
  readonly storeId?: string
  readonly cardNumber?: string | null
}

let baskets = 0

/** One basket and its lines (creating the store and the month's line partition first). */
export async function makeBasket(db: Kysely<DB>, b: BasketSpec): Promise<number> {
  const at = typeof b.at === 'string' ? new Date(b.at) : b.at
  const storeId = await makeStore(db, b.storeId)
  await sql`SELECT pantry_ensure_line_partition(${at}::timestamptz)`.execute(db)
  const total = b.lines.reduce((s, l) => s + Math.round((l.quantity ?? 1) * l.unitPriceCents) - (l.discountCents ?? 0), 0)
  const t = await db
    .insertInto('pos_transaction')
    .values({
      store_id: storeId,
      pos_transaction_id: `auto-${++baskets}`,
      card_number: b.cardNumber ?? null,
      household_id: b.householdId,
      occurred_at: at,
      line_count: b.lines.length,
      total_cents: total,
      content_hash: 'test',
      source: 'api',
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('transaction_line')
    .values(
      b.lines.map((l, i) => ({
        household_id: b.householdId,
        occurred_at: at,
        transaction_id: t.id,
        line_no: i + 1,
        sku: l.sku,
        quantity: l.quantity ?? 1,
        unit_price_cents: l.unitPriceCents,
        discount_cents: l.discountCents ?? 0,
      })),
    )
    .execute()
  return t.id
}

/** `days` days (fractions allowed) before `t`. */
export function daysBefore(t: Date, days: number): Date {
  return new Date(t.getTime() - days * 86_400_000)
}
