import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { sqlState, UNIQUE_VIOLATION } from '../../db/sql-state.ts'

// Queries of `pantry import transactions`. Each function runs on one pinned session (pg-session.ts):
// the staging table is temporary, private to that session, made the first time the session needs it
// (a bucket with a basket already stored, or --strict), and dropped at the end (or with the session).
//
// import_basket  one row per basket to write (assembled in Node, transactions-bucket.ts): its bucket,
//                its index in the bucket, its header and, once written, its id and household

/** COPY of a bucket's header rows into the staging (transactions.import.ts, stagingRows). */
export const BASKET_COPY = 'COPY import_basket (bucket, idx, store_id, txn_id, lane, card, occurred_us, line_count, total_cents, content_hash) FROM STDIN'

/**
 * COPY of a bucket's headers straight into pos_transaction (transactions-bucket.ts encodes them, setHeaderIds fills in ids and households),
 * ids reserved first (reserveTransactionIds). A basket already stored makes it fail on the primary
 * key (unique_violation): nothing of it is written, and the caller falls back to insertBucketHeaders.
 */
export const HEADER_COPY =
  'COPY pos_transaction (id, household_id, store_id, pos_transaction_id, lane, card_number, occurred_at, line_count, total_cents, content_hash, source) FROM STDIN (FORMAT binary)'

/**
 * Where the statements on stores and cards read a bucket's baskets (store_id, txn_id, card):
 * the staging table (--strict, whose staging holds every bucket), or arrays, one entry per basket.
 */
export type BasketSource = RawBuilder<unknown>
export const stagedBaskets: BasketSource = sql`import_basket b`
export function listedBaskets(storeIds: readonly string[], txnIds: readonly string[], cards: readonly string[]): BasketSource {
  return sql`unnest(${storeIds}::text[], ${txnIds}::text[], ${cards}::text[]) AS b(store_id, txn_id, card)`
}

export async function createStaging(db: Kysely<DB>): Promise<void> {
  await dropStaging(db)
  await sql`
    CREATE TEMP TABLE import_basket (
      bucket int NOT NULL, idx int NOT NULL, store_id text NOT NULL, txn_id text NOT NULL, lane text NOT NULL,
      card text NOT NULL, occurred_us bigint NOT NULL, line_count int NOT NULL, total_cents bigint NOT NULL,
      content_hash text NOT NULL, id bigint, household_id bigint
    )`.execute(db)
}

export async function dropStaging(db: Kysely<DB>): Promise<void> {
  await sql`DROP TABLE IF EXISTS pg_temp.import_basket`.execute(db)
}

export async function clearStaging(db: Kysely<DB>): Promise<void> {
  await sql`TRUNCATE import_basket`.execute(db)
}

/** Rows of the staged baskets that are already stored (re-imports): for --strict's summary. */
export async function storedLineCount(db: Kysely<DB>): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT coalesce(sum(b.line_count), 0)::bigint AS n FROM import_basket b
    WHERE EXISTS (SELECT 1 FROM pos_transaction p WHERE p.store_id = b.store_id AND p.pos_transaction_id = b.txn_id)`.execute(db)
  return r.rows[0]!.n
}

/** The month's transaction_line partition; safe when another session creates it at the same moment (migration 0009). */
export async function ensureLinePartition(db: Kysely<DB>, month: string): Promise<void> {
  await sql`SELECT pantry_ensure_line_partition(${month}::timestamptz)`.execute(db)
}

/** Unknown stores of the baskets become rows. Sorted: concurrent writers lock keys in one order. */
export async function insertMissingStores(db: Kysely<DB>, from: BasketSource): Promise<void> {
  await sql`
    INSERT INTO store (id)
    SELECT id FROM (
      SELECT DISTINCT b.store_id AS id FROM ${from}
      WHERE NOT EXISTS (SELECT 1 FROM store s WHERE s.id = b.store_id)) x
    ORDER BY id COLLATE "C" ON CONFLICT DO NOTHING`.execute(db)
}

/**
 * A placeholder product for each of `skus` (SKUs of the file's valid rows) that the catalog does not
 * know (until the catalog names it): an SKU seen on a till is worth one. `plainFirst`: see insertRacing.
 */
export async function insertMissingProducts(db: Kysely<DB>, skus: readonly string[], plainFirst = false): Promise<void> {
  if (skus.length === 0) return
  await insertRacing(db, plainFirst, (onConflict) => sql`
    INSERT INTO product (sku, name, placeholder)
    SELECT x.sku, 'Unknown item ' || x.sku, true FROM unnest(${skus}::text[]) AS x(sku)
    WHERE NOT EXISTS (SELECT 1 FROM product p WHERE p.sku = x.sku)
    ORDER BY x.sku COLLATE "C" ${onConflict ? sql`ON CONFLICT DO NOTHING` : sql``}`)
}

/**
 * Runs an INSERT whose NOT EXISTS skips the rows already stored: with `plainFirst` (a statement that
 * commits at once, not inside a transaction) as a plain INSERT, and again with its ON CONFLICT … DO
 * NOTHING only if it failed on a unique key (a concurrent writer inserted one of its rows meanwhile: the
 * failed statement wrote nothing). ON CONFLICT's speculative insertion costs PostgreSQL about 30% more
 * a row (measured on 15,000 placeholder products: 106–143 ms against 141–207 ms), and that race is rare.
 */
async function insertRacing(db: Kysely<DB>, plainFirst: boolean, insert: (onConflict: boolean) => RawBuilder<unknown>): Promise<void> {
  if (plainFirst) {
    try {
      await insert(false).execute(db)
      return
    } catch (err) {
      if (sqlState(err) !== UNIQUE_VIOLATION) throw err
    }
  }
  await insert(true).execute(db)
}

/**
 * Enrols each unknown card of the baskets not stored yet, as the POS API does: a household
 * 'card-<number>' (enrolled at the lane, not opted in) and the card row. Both inserts skip what
 * exists (`plainFirst`: as one plain statement, again as two with ON CONFLICT DO NOTHING if a
 * concurrent writer got there first, as in insertRacing) and the mapping is read afterwards
 * (householdsOfCards, insertStaged), so a concurrent enrolment of the same card (another import,
 * the POS API) ends with one household, whoever wins.
 */
export async function enrollUnknownCards(db: Kysely<DB>, from: BasketSource, plainFirst = false): Promise<void> {
  const unknownCards = sql`
    SELECT DISTINCT b.card FROM ${from}
    WHERE b.card <> '' AND NOT EXISTS (SELECT 1 FROM loyalty_card c WHERE c.card_number = b.card)
      AND NOT EXISTS (SELECT 1 FROM pos_transaction p WHERE p.store_id = b.store_id AND p.pos_transaction_id = b.txn_id)`
  const households = sql`
    INSERT INTO household (external_id, enrolled_via, opted_in)
    SELECT 'card-' || u.card, 'pos', false FROM u
    WHERE NOT EXISTS (SELECT 1 FROM household h WHERE h.external_id = 'card-' || u.card)
    ORDER BY u.card COLLATE "C"`
  if (plainFirst) {
    // one statement: the unknown cards found once, their households inserted, then the cards: of
    // the households made now, and of those made earlier without their card (read from the
    // statement's snapshot, which does not hold the new ones). Not a join of the cards with the new
    // households: the planner, blind to their number, loops over them for each card.
    try {
      await sql`
        WITH u AS (${unknownCards}), made AS (${households} RETURNING id, external_id)
        INSERT INTO loyalty_card (card_number, household_id)
        SELECT card, id FROM (
          SELECT substr(m.external_id, 6) AS card, m.id FROM made m
          UNION ALL
          SELECT u.card, h.id FROM u JOIN household h ON h.external_id = 'card-' || u.card) x
        ORDER BY card COLLATE "C"`.execute(db)
      return
    } catch (err) {
      if (sqlState(err) !== UNIQUE_VIOLATION) throw err
    }
  }
  await sql`WITH u AS (${unknownCards}) ${households} ON CONFLICT (external_id) DO NOTHING`.execute(db)
  await sql`
    INSERT INTO loyalty_card (card_number, household_id)
    SELECT u.card, h.id FROM (${unknownCards}) u JOIN household h ON h.external_id = 'card-' || u.card
    ORDER BY u.card COLLATE "C" ON CONFLICT (card_number) DO NOTHING`.execute(db)
}

/**
 * Inserts the staged baskets' headers, each card mapped to its household (none: 0). ON CONFLICT DO
 * NOTHING: a basket already stored, or stored meanwhile by another import, is skipped (a duplicate).
 * Run inside the caller's transaction, which then writes the lines.
 */
function insertStaged() {
  return sql`
    INSERT INTO pos_transaction (store_id, pos_transaction_id, lane, card_number, household_id, occurred_at,
      line_count, total_cents, content_hash, source)
    SELECT b.store_id, b.txn_id, NULLIF(b.lane, ''), NULLIF(b.card, ''), coalesce(c.household_id, 0),
      timestamptz 'epoch' + b.occurred_us * interval '1 microsecond', b.line_count, b.total_cents, b.content_hash, 'import'
    FROM import_basket b LEFT JOIN loyalty_card c ON c.card_number = b.card
    -- the POS API's order (transactions.service.ts sorts by store, then id, in code-point order):
    -- an import and a lane posting the same baskets take their key locks in the same order
    ORDER BY b.store_id COLLATE "C", b.txn_id COLLATE "C"
    ON CONFLICT (store_id, pos_transaction_id) DO NOTHING
    RETURNING id, store_id, pos_transaction_id, household_id`
}

/**
 * insertStaged for --strict, whose staging holds every bucket: records the id and household of each
 * basket inserted, for insertedBaskets to read bucket by bucket.
 */
export async function insertHeaders(trx: Kysely<DB>): Promise<void> {
  // autovacuum never analyzes temporary tables: without statistics the planner joins `ins` back to
  // import_basket with a nested loop (quadratic)
  await sql`ANALYZE import_basket`.execute(trx)
  await sql`
    WITH ins AS (${insertStaged()})
    UPDATE import_basket b SET id = ins.id, household_id = ins.household_id
    FROM ins WHERE b.store_id = ins.store_id AND b.txn_id = ins.pos_transaction_id`.execute(trx)
}

/**
 * insertStaged when the staging holds one bucket: returns the key, id and household of each basket
 * inserted, for the caller to match with its baskets. Neither joined back to the staging (which
 * without statistics the planner does with a nested loop, quadratic) nor ANALYZE first (which cost
 * more than this statement's join).
 */
export async function insertBucketHeaders(trx: Kysely<DB>): Promise<{ store_id: string; pos_transaction_id: string; id: number; household_id: number }[]> {
  const r = await sql<{ store_id: string; pos_transaction_id: string; id: number; household_id: number }>`${insertStaged()}`.execute(trx)
  return r.rows
}

/** Id and household of each basket of `bucket` that insertHeaders inserted, by its index in the bucket. */
export async function insertedBaskets(db: Kysely<DB>, bucket: number): Promise<{ idx: number; id: number; household_id: number }[]> {
  const r = await sql<{ idx: number; id: number; household_id: number }>`
    SELECT idx, id, household_id FROM import_basket WHERE bucket = ${bucket} AND id IS NOT NULL`.execute(db)
  return r.rows
}

/**
 * `n` ids of pos_transaction's identity, for headers COPYed with their ids (HEADER_COPY): the lines
 * of a basket need its id before they are written.
 */
export async function reserveTransactionIds(trx: Kysely<DB>, n: number): Promise<number[]> {
  // the sequence's name looked up once (a sub-select), not for every row: 4-9x cheaper
  const r = await sql<{ id: number }>`
    SELECT nextval((SELECT pg_get_serial_sequence('pos_transaction', 'id'))::regclass) AS id FROM generate_series(1, ${n})`.execute(trx)
  return r.rows.map((row) => row.id)
}

/** The household of each of `cards` that loyalty_card knows (run after enrollUnknownCards). */
export async function householdsOfCards(trx: Kysely<DB>, cards: readonly string[]): Promise<Map<string, number>> {
  if (cards.length === 0) return new Map()
  const r = await sql<{ card_number: string; household_id: number }>`
    SELECT card_number, household_id FROM loyalty_card WHERE card_number = ANY(${cards}::text[])`.execute(trx)
  return new Map(r.rows.map((row) => [row.card_number, row.household_id]))
}
