import { type Kysely, type RawBuilder, sql } from 'kysely'
import { copyText } from '../../db/copy-text.ts'
import type { DB } from '../../db/schema.ts'
import type { Session } from '../imports/pg-session.ts'

// Set-based writes for POS ingestion: one statement per table per request, whatever the batch size.
// Arrays go in as parameters and come apart with unnest(), which keeps the plan and the round trips
// constant (3,000 lines cost the same number of statements as 30). Lines, nine in ten of the rows,
// go in with COPY instead (copyLines).

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
const knownSkus = new WeakMap<Kysely<DB>, Set<string>>()
const MAX_KNOWN_SKUS = 1_000_000

/** The SKUs of `skus` not yet known to exist in this database (as far as this process knows). */
export function unknownSkus(db: Kysely<DB>, skus: readonly string[]): string[] {
  const known = knownSkus.get(db)
  return known ? skus.filter((s) => !known.has(s)) : [...skus]
}

/** Call after the transaction that inserted them committed: a rolled-back placeholder must not count. */
export function rememberSkus(db: Kysely<DB>, skus: readonly string[]): void {
  let known = knownSkus.get(db)
  if (!known || known.size > MAX_KNOWN_SKUS) knownSkus.set(db, (known = new Set()))
  for (const s of skus) known.add(s)
}

/** Unknown SKUs become placeholder products flagged for the catalog team: data is never dropped. */
export async function ensureProducts(db: Kysely<DB>, skus: readonly string[], names: readonly string[]): Promise<void> {
  if (skus.length === 0) return
  await sql`
    INSERT INTO product (sku, name, placeholder)
    SELECT s, n, true FROM unnest(${skus}::text[], ${names}::text[]) AS t(s, n)
    ON CONFLICT DO NOTHING`.execute(db)
}

/**
 * Creates the stores not seen yet and maps card numbers to households, in one round trip. A card
 * never seen before is enrolled on the spot as a household of its own ('card-<number>', not opted
 * in) so its history is kept; the chain's household import can later claim the card. Races between
 * lanes are settled by the unique keys.
 */
export async function resolveCards(db: Kysely<DB>, cards: readonly string[], storeIds: readonly string[]): Promise<Map<string, number>> {
  // The store insert rides along as a CTE: it runs to completion whatever the SELECT returns, and
  // the header insert after it (a later statement) sees the new stores for its foreign key.
  const found = await cardHouseholds(db, cards, sql`WITH new_store AS (INSERT INTO store (id) SELECT unnest(${storeIds}::text[]) ON CONFLICT DO NOTHING)`)
  const missing = cards.filter((c) => !found.has(c))
  if (missing.length === 0) return found
  await sql`
    INSERT INTO household (external_id, enrolled_via)
    SELECT 'card-' || c, 'pos' FROM unnest(${missing}::text[]) AS c
    ON CONFLICT (external_id) DO NOTHING`.execute(db)
  await sql`
    INSERT INTO loyalty_card (card_number, household_id)
    SELECT c, h.id FROM unnest(${missing}::text[]) AS c JOIN household h ON h.external_id = 'card-' || c
    ON CONFLICT DO NOTHING`.execute(db)
  for (const [card, household] of await cardHouseholds(db, missing, sql``)) found.set(card, household)
  return found
}

async function cardHouseholds(db: Kysely<DB>, cards: readonly string[], prefix: RawBuilder<unknown>): Promise<Map<string, number>> {
  // FOR KEY SHARE: a household import moving this card (FOR UPDATE) waits until these baskets are
  // stored, then moves them along with the card, instead of leaving them on the old household.
  const rows = await sql<{ card_number: string; household_id: number }>`
    ${prefix}
    SELECT card_number, household_id FROM loyalty_card WHERE card_number = ANY(${cards}::text[])
    FOR KEY SHARE`.execute(db)
  return new Map(rows.rows.map((r) => [r.card_number, r.household_id]))
}

export interface HeaderRow {
  storeId: string
  posId: string
  lane: string
  cardNumber: string | null
  householdId: number
  occurredAt: string
  lineCount: number
  totalCents: number
  /** Codes joined by U+001F (they are printable ASCII, so the separator cannot occur in them). */
  codes: string
  contentHash: string
}

/** Inserts the baskets not stored yet; returns the new ones with their ids. Duplicates are skipped. */
export async function insertHeaders(db: Kysely<DB>, rows: readonly HeaderRow[]): Promise<Map<string, number>> {
  const col = <K extends keyof HeaderRow>(k: K) => rows.map((r) => r[k])
  const r = await sql<{ id: number; store_id: string; pos_transaction_id: string }>`
    INSERT INTO pos_transaction (store_id, pos_transaction_id, lane, card_number, household_id, occurred_at,
                                 line_count, total_cents, redeemed_codes, content_hash, source)
    SELECT s, p, l, c, h, o, n, t, CASE WHEN codes = '' THEN '{}' ELSE string_to_array(codes, E'\\x1f') END, ch, 'api'
    FROM unnest(${col('storeId')}::text[], ${col('posId')}::text[], ${col('lane')}::text[], ${col('cardNumber')}::text[],
                ${col('householdId')}::int8[], ${col('occurredAt')}::timestamptz[], ${col('lineCount')}::int4[],
                ${col('totalCents')}::int8[], ${col('codes')}::text[], ${col('contentHash')}::text[])
      AS t(s, p, l, c, h, o, n, t, codes, ch)
    ON CONFLICT (store_id, pos_transaction_id) DO NOTHING
    RETURNING id, store_id, pos_transaction_id`.execute(db)
  return new Map(r.rows.map((x) => [basketKey(x.store_id, x.pos_transaction_id), x.id]))
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

export interface LineColumns {
  householdId: number[]
  occurredAt: string[]
  transactionId: number[]
  lineNo: number[]
  sku: string[]
  quantity: number[]
  unitPriceCents: number[]
  discountCents: number[]
}

/**
 * Writes lines with COPY FROM STDIN on the session's connection, inside the transaction the caller
 * has open on it. Only for baskets whose header this transaction just inserted: their lines cannot
 * exist yet, so COPY needs no ON CONFLICT. PostgreSQL spends about a third of the CPU per row that
 * INSERT … SELECT FROM unnest() costs (COPY batches rows into each partition's pages and WAL).
 */
export async function copyLines(session: Session, c: LineColumns): Promise<void> {
  if (c.sku.length === 0) return
  const copy = session.copyIn(
    'COPY transaction_line (household_id, occurred_at, transaction_id, line_no, sku, quantity, unit_price_cents, discount_cents) FROM STDIN',
  )
  let chunk = ''
  for (let i = 0; i < c.sku.length; i++) {
    chunk += `${c.householdId[i]}\t${c.occurredAt[i]}\t${c.transactionId[i]}\t${c.lineNo[i]}\t${copyText(c.sku[i]!)}\t${c.quantity[i]}\t${c.unitPriceCents[i]}\t${c.discountCents[i]}\n`
    if (chunk.length >= 1 << 16) {
      await copy.write(chunk)
      chunk = ''
    }
  }
  if (chunk) await copy.write(chunk)
  await copy.end()
}

export function basketKey(storeId: string, posId: string): string {
  return `${storeId}\u0000${posId}`
}
