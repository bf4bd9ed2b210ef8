import { type Kysely, sql } from 'kysely'
import { withPrepared } from '../../db/prepared.ts'
import { withTransaction } from '../../db/transaction.ts'
import type { DB } from '../../db/schema.ts'

// Set-based writes for POS ingestion: one statement per request or group, whatever the batch size.
// Arrays go in as parameters and come apart with unnest(), which keeps the plan and the round trips
// constant (3,000 lines cost the same number of statements as 30).

const ensuredMonths = new WeakMap<Kysely<DB>, Set<string>>()

/**
 * Creates the monthly partitions of transaction_line these timestamps fall in. DDL, so it runs
 * outside the ingest transaction; remembered per process so a month costs one call.
 */
export async function ensureLinePartitions(db: Kysely<DB>, times: readonly Date[]): Promise<void> {
  let known = ensuredMonths.get(db)
  if (!known) ensuredMonths.set(db, (known = new Set()))
  const missing = new Map<string, Date>()
  for (const t of times) {
    const month = t.toISOString().slice(0, 7)
    if (!known.has(month) && !missing.has(month)) missing.set(month, t)
  }
  for (const [month, t] of missing) {
    await ensureLinePartition(db, t)
    known.add(month)
  }
}

/** Creates the month's partition if missing; safe when several sessions open the month at once (migration 0009). */
async function ensureLinePartition(db: Kysely<DB>, t: Date): Promise<void> {
  await sql`SELECT pantry_ensure_line_partition(${t.toISOString()}::timestamptz)`.execute(db)
}

// SKUs known to exist, per database. Products are never deleted, so once a SKU is committed it stays;
// the set spares the placeholder upsert (an index probe per SKU) for the catalog a chain sells daily.
const knownSkusByDb = new WeakMap<Kysely<DB>, Set<string>>()
const MAX_KNOWN_SKUS = 1_000_000

/** The SKUs known to exist in this database (as far as this process knows). */
export function knownSkus(db: Kysely<DB>): ReadonlySet<string> {
  return knownSkusByDb.get(db) ?? new Set()
}

/** Call after the statement that inserted them committed: a rolled-back placeholder must not count. */
export function rememberSkus(db: Kysely<DB>, skus: readonly string[]): void {
  let known = knownSkusByDb.get(db)
  if (!known || known.size > MAX_KNOWN_SKUS) knownSkusByDb.set(db, (known = new Set()))
  for (const s of skus) known.add(s)
}

export interface HeaderRow {
  storeId: string
  posId: string
  lane: string
  cardNumber: string | null
  occurredAt: string
  lineCount: number
  totalCents: number
  /** Codes joined by U+001F (they are printable ASCII, so the separator cannot occur in them). */
  codes: string
  contentHash: string
}

/** The lines of the baskets, column by column; `basket` is the position (1, 2, …) of the line's basket in the headers. */
export interface LineColumns {
  basket: number[]
  lineNo: number[]
  sku: string[]
  quantity: number[]
  unitPriceCents: number[]
  discountCents: number[]
}

export interface StoredBaskets {
  /** The baskets this statement inserted (they were not stored yet), with their ids. */
  created: Map<string, number>
  /** Indexes of the baskets left out because their card is not enrolled yet (enrolCards, then again). */
  unknownCard: number[]
}

/**
 * Stores baskets in one statement, so with one round trip and no explicit transaction: the
 * statement is atomic, each basket all or nothing. It creates the stores not seen yet and the
 * placeholder products, maps cards to households (FOR KEY SHARE: a household import moving a card
 * waits until these baskets are stored, then moves them with it), inserts the headers not stored
 * yet (ON CONFLICT DO NOTHING: the primary key settles races) and the lines of exactly those.
 * `headers` must be in key order, so that concurrent writers lock rows in one order. A basket whose
 * card is unknown is left out and reported, to be stored after enrolCards.
 *
 * One statement instead of a transaction of five (BEGIN, cards, headers, COPY of the lines, COMMIT):
 * a basket posted alone is written in a small group, where round trips and statements cost more
 * than rows; PostgreSQL spends a little more per line than COPY (bench:ingest, docs/ingest.md).
 */
export async function insertBaskets(
  db: Kysely<DB>,
  headers: readonly HeaderRow[],
  lines: LineColumns,
  newProducts: { skus: readonly string[]; names: readonly string[] },
): Promise<StoredBaskets> {
  const col = <K extends keyof HeaderRow>(k: K) => headers.map((r) => r[k])
  const cards = [...new Set(headers.flatMap((h) => (h.cardNumber === null ? [] : [h.cardNumber])))].sort()
  const stores = [...new Set(headers.map((h) => h.storeId))].sort()
  // The store and product inserts ride along as CTEs; the header's foreign key to store is checked
  // at the end of the statement, when the new store rows are visible to it.
  const products =
    newProducts.skus.length === 0
      ? sql``
      : sql`, new_product AS (
          INSERT INTO product (sku, name, placeholder)
          SELECT s, n, true FROM unnest(${newProducts.skus}::text[], ${newProducts.names}::text[]) AS t(s, n)
          ON CONFLICT DO NOTHING)`
  // Prepared (prepared.ts): planning this statement costs about as much as running it for a small
  // group. Two names, because the product CTE makes a second text.
  const name = sql.raw(newProducts.skus.length === 0 ? '/* pantry_insert_baskets */' : '/* pantry_insert_baskets_products */')
  const statement = sql<{ k: number; id: number | null; unknown_card: boolean }>`${name}
    WITH new_store AS (INSERT INTO store (id) SELECT unnest(${stores}::text[]) ON CONFLICT DO NOTHING)
    ${products},
    card AS (
      SELECT card_number, household_id FROM loyalty_card WHERE card_number = ANY(${cards}::text[])
      FOR KEY SHARE
    ),
    basket AS (
      SELECT b.*, card.household_id AS hh
      FROM unnest(${text(col('storeId'))}::text[], ${text(col('posId'))}::text[], ${text(col('lane'))}::text[], ${text(col('cardNumber'))}::text[],
                  ${text(col('occurredAt'))}::timestamptz[], ${numbers(col('lineCount'))}::int4[], ${numbers(col('totalCents'))}::int8[],
                  ${text(col('codes'))}::text[], ${text(col('contentHash'))}::text[])
        WITH ORDINALITY AS b(s, p, l, c, o, n, t, codes, ch, k)
      LEFT JOIN card ON card.card_number = b.c
    ),
    header AS (
      INSERT INTO pos_transaction (store_id, pos_transaction_id, lane, card_number, household_id, occurred_at,
                                   line_count, total_cents, redeemed_codes, content_hash, source)
      SELECT s, p, l, c, COALESCE(hh, 0), o, n, t, CASE WHEN codes = '' THEN '{}' ELSE string_to_array(codes, E'\\x1f') END, ch, 'api'
      FROM basket WHERE c IS NULL OR hh IS NOT NULL
      ORDER BY k
      ON CONFLICT (store_id, pos_transaction_id) DO NOTHING
      RETURNING id, store_id, pos_transaction_id, household_id, occurred_at
    ),
    line AS (
      INSERT INTO transaction_line (household_id, occurred_at, transaction_id, line_no, sku, quantity, unit_price_cents, discount_cents)
      SELECT h.household_id, h.occurred_at, h.id, x.line_no, x.sku, x.q, x.u, x.d
      FROM unnest(${numbers(lines.basket)}::int4[], ${numbers(lines.lineNo)}::int2[], ${text(lines.sku)}::text[], ${numbers(lines.quantity)}::numeric[],
                  ${numbers(lines.unitPriceCents)}::int4[], ${numbers(lines.discountCents)}::int4[]) AS x(k, line_no, sku, q, u, d)
      JOIN basket b ON b.k = x.k
      JOIN header h ON h.store_id = b.s AND h.pos_transaction_id = b.p
    )
    SELECT b.k::int4 AS k, h.id, (b.c IS NOT NULL AND b.hh IS NULL) AS unknown_card
    FROM basket b LEFT JOIN header h ON h.store_id = b.s AND h.pos_transaction_id = b.p`
  const { rows } = await statement.execute(withPrepared(db))
  const created = new Map<string, number>()
  const unknownCard: number[] = []
  for (const x of rows) {
    const h = headers[x.k - 1]!
    if (x.id !== null) created.set(basketKey(h.storeId, h.posId), x.id)
    else if (x.unknown_card) unknownCard.push(x.k - 1)
  }
  return { created, unknownCard }
}

// Array parameters as PostgreSQL array literals, written here rather than by node-postgres, which
// escapes every element with two regular-expression replaces: for a group's ~500 lines that was
// most of the statement's client-side cost. Elements are always quoted; only `"` and `\` need a
// backslash inside quotes.
const NEEDS_ESCAPE = /["\\]/

function text(values: readonly (string | null)[]): string {
  let out = '{'
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? null
    if (i > 0) out += ','
    out += v === null ? 'NULL' : NEEDS_ESCAPE.test(v) ? `"${v.replace(/["\\]/g, '\\$&')}"` : `"${v}"`
  }
  return `${out}}`
}

function numbers(values: readonly number[]): string {
  return `{${values.join(',')}}`
}

/**
 * Enrols cards never seen before, each as a household of its own ('card-<number>', not opted in),
 * so its history is kept; the chain's household import can later claim the card. One transaction,
 * so the household is never seen without its card (a household import removes such households).
 * Races between lanes are settled by the unique keys.
 */
export async function enrolCards(db: Kysely<DB>, cards: readonly string[]): Promise<void> {
  await withTransaction(db, async (trx) => {
    await sql`
      INSERT INTO household (external_id, enrolled_via)
      SELECT 'card-' || c, 'pos' FROM unnest(${cards}::text[]) AS c
      ON CONFLICT (external_id) DO NOTHING`.execute(trx)
    await sql`
      INSERT INTO loyalty_card (card_number, household_id)
      SELECT c, h.id FROM unnest(${cards}::text[]) AS c JOIN household h ON h.external_id = 'card-' || c
      ON CONFLICT DO NOTHING`.execute(trx)
  })
}

/** Content hashes of already-stored baskets, to tell a faithful replay from a reused id. */
export async function storedHashes(db: Kysely<DB>, keys: readonly { storeId: string; posId: string }[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map()
  const r = await sql<{ store_id: string; pos_transaction_id: string; content_hash: string }>`
    SELECT t.store_id, t.pos_transaction_id, t.content_hash
    FROM pos_transaction t
    JOIN unnest(${keys.map((k) => k.storeId)}::text[], ${keys.map((k) => k.posId)}::text[]) AS k(s, p)
      ON t.store_id = k.s AND t.pos_transaction_id = k.p`.execute(db)
  return new Map(r.rows.map((x) => [basketKey(x.store_id, x.pos_transaction_id), x.content_hash]))
}

export function basketKey(storeId: string, posId: string): string {
  return `${storeId}\u0000${posId}`
}
