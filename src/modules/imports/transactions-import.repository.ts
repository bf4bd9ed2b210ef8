import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { RowError } from './import-report.ts'

// Queries of `pantry import transactions`. Each function runs on one pinned session (pg-session.ts):
// the staging tables are temporary, private to that session, and dropped at the end (or with it).
//
// import_line   every row read, in COPY format from stage-rows.ts (line = line number in the file);
//               a refused row has a reason and only the basket it names, if any
// import_basket one row per basket (store_id, txn_id): its header, its status and, once written, its id

const MAX_LINES = 1000 // the POS API's limit on a basket's items

export async function createStaging(db: Kysely<DB>): Promise<void> {
  await dropStaging(db)
  // Local buffers for the staging rows; takes effect only before the session's first temp table.
  await sql`SET temp_buffers = '128MB'`.execute(db)
  await sql`
    CREATE TEMP TABLE import_line (
      line int NOT NULL, store_id text, txn_id text, lane text, card text, occurred_us bigint, sku text,
      quantity numeric(12, 3), unit_price_cents int, discount_cents int, line_total_cents bigint, line_json text,
      reason text
    )`.execute(db)
}

export async function dropStaging(db: Kysely<DB>): Promise<void> {
  await sql`DROP TABLE IF EXISTS pg_temp.import_line, pg_temp.import_basket`.execute(db)
}

export interface StagedCounts {
  /** Rows refused on their own, and good rows refused with their basket. */
  readonly rejected: number
  /** Rows of baskets already in pos_transaction. */
  readonly duplicates: number
  /** Rows of baskets to write. */
  readonly fresh: number
}

/**
 * Groups the staged rows into baskets, in one pass, and decides each one: rejected (a bad row,
 * rows that disagree on lane, card or time, more lines than the API takes), duplicate (already
 * stored), or new. A new basket gets the content hash the POS API computes (contentHash in
 * transactions.service.ts: SHA-256 of JSON [lane, card, epoch ms, items in order, codes]), so the
 * same basket posted later by a lane is recognised as a replay, not a conflict.
 */
export async function classifyBaskets(db: Kysely<DB>): Promise<StagedCounts> {
  // autovacuum never analyzes temporary tables: without statistics the planner guesses wrong
  await sql`ANALYZE import_line`.execute(db)
  // The planner overestimates the groups and would sort the whole file to group it; hashing is
  // several times cheaper here (the only sorts left are the small per-basket ones below).
  await sql`SELECT set_config('enable_sort', 'off', true)`.execute(db)
  await sql`
    CREATE TEMP TABLE import_basket AS
    WITH agg AS (
      SELECT store_id, txn_id, count(*) FILTER (WHERE reason IS NULL)::int AS line_count,
        min(line) FILTER (WHERE reason IS NOT NULL) AS bad_line,
        -- byte order ("C"): only equality matters here, and it is the cheapest comparison
        min(lane COLLATE "C") AS lane, min(card COLLATE "C") AS card, min(occurred_us) AS occurred_us,
        concat_ws(', ',
          CASE WHEN min(lane COLLATE "C") <> max(lane COLLATE "C") THEN 'lane' END,
          CASE WHEN min(card COLLATE "C") <> max(card COLLATE "C") THEN 'card_number' END,
          CASE WHEN min(occurred_us) <> max(occurred_us) THEN 'occurred_at' END) AS conflict,
        sum(line_total_cents)::bigint AS total_cents,
        array_agg(line) FILTER (WHERE reason IS NULL) AS lines,
        array_agg(line_json) FILTER (WHERE reason IS NULL) AS items
      FROM import_line WHERE store_id IS NOT NULL AND txn_id IS NOT NULL
      GROUP BY store_id, txn_id
    ), decided AS (
      SELECT agg.*, p.id IS NOT NULL AS stored,
        agg.bad_line IS NOT NULL OR agg.conflict <> '' OR agg.line_count > ${sql.lit(MAX_LINES)} AS refused
      FROM agg LEFT JOIN pos_transaction p ON p.store_id = agg.store_id AND p.pos_transaction_id = agg.txn_id
    )
    SELECT store_id, txn_id, line_count, lane, card,
      timestamptz 'epoch' + occurred_us * interval '1 microsecond' AS occurred_at, total_cents, conflict, bad_line,
      CASE WHEN refused THEN 'rejected' WHEN stored THEN 'duplicate' ELSE 'new' END AS status,
      CASE WHEN NOT refused AND NOT stored THEN left(translate(encode(sha256(convert_to(
        '[' || to_json(lane)::text || ',' || coalesce(to_json(NULLIF(card, ''))::text, 'null') || ','
        || floor(occurred_us / 1000.0)::bigint || ',['
        || (SELECT string_agg(item, ',' ORDER BY n) FROM unnest(lines, items) AS u(n, item))
        || '],[]]', 'UTF8')), 'base64'), '+/', '-_'), 32) END AS content_hash,
      NULL::bigint AS id, 0::bigint AS household_id
    FROM decided`.execute(db)
  await sql`ANALYZE import_basket`.execute(db)
  const r = await sql<StagedCounts>`
    SELECT
      (SELECT count(*) FROM import_line WHERE reason IS NOT NULL) + coalesce(sum(line_count) FILTER (WHERE status = 'rejected'), 0)::bigint AS rejected,
      coalesce(sum(line_count) FILTER (WHERE status = 'duplicate'), 0)::bigint AS duplicates,
      coalesce(sum(line_count) FILTER (WHERE status = 'new'), 0)::bigint AS fresh
    FROM import_basket`.execute(db)
  return r.rows[0]!
}

/** The first `limit` refused rows by line number, each with its reason. */
export async function rejectedRows(db: Kysely<DB>, limit: number): Promise<RowError[]> {
  const r = await sql<RowError>`
    SELECT line, reason FROM import_line WHERE reason IS NOT NULL
    UNION ALL
    SELECT l.line, CASE
        WHEN b.bad_line IS NOT NULL THEN format('basket %s of store %s has a bad row at line %s', b.txn_id, b.store_id, b.bad_line)
        WHEN b.conflict <> '' THEN format('basket %s of store %s: its rows disagree on %s', b.txn_id, b.store_id, b.conflict)
        ELSE format('basket %s of store %s has more than %s lines', b.txn_id, b.store_id, ${MAX_LINES}::int) END
    FROM import_line l JOIN import_basket b ON b.store_id = l.store_id AND b.txn_id = l.txn_id
    WHERE b.status = 'rejected' AND l.reason IS NULL
    ORDER BY line LIMIT ${limit}`.execute(db)
  return r.rows
}

/** Start of every UTC month that new baskets fall in (each needs its transaction_line partition). */
export async function newBasketMonths(db: Kysely<DB>): Promise<string[]> {
  const r = await sql<{ month: string }>`
    SELECT DISTINCT to_char(date_trunc('month', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T00:00:00Z"') AS month
    FROM import_basket WHERE status = 'new' ORDER BY 1`.execute(db)
  return r.rows.map((x) => x.month)
}

export async function ensureLinePartition(db: Kysely<DB>, month: string): Promise<void> {
  await sql`SELECT pantry_ensure_line_partition(${month}::timestamptz)`.execute(db)
}

/** Unknown stores of new baskets become rows. Sorted: concurrent writers lock keys in one order. */
export async function insertMissingStores(db: Kysely<DB>): Promise<void> {
  await sql`
    INSERT INTO store (id)
    SELECT id FROM (
      SELECT DISTINCT b.store_id AS id FROM import_basket b
      WHERE b.status = 'new' AND NOT EXISTS (SELECT 1 FROM store s WHERE s.id = b.store_id)) x
    ORDER BY id COLLATE "C" ON CONFLICT DO NOTHING`.execute(db)
}

/**
 * A placeholder product for each SKU of the file's valid rows that the catalog does not know (until
 * the catalog names it). Taken from all valid rows, not only those of new baskets: a join to the
 * baskets would double the cost, and an SKU seen on a till is worth a placeholder anyway.
 */
export async function insertMissingProducts(db: Kysely<DB>): Promise<void> {
  await sql`
    INSERT INTO product (sku, name, placeholder)
    SELECT sku, 'Unknown item ' || sku, true FROM (SELECT DISTINCT sku FROM import_line WHERE reason IS NULL) x
    WHERE NOT EXISTS (SELECT 1 FROM product p WHERE p.sku = x.sku)
    ORDER BY x.sku COLLATE "C" ON CONFLICT DO NOTHING`.execute(db)
}

/**
 * Maps each new basket's card to its household, enrolling an unknown card first: a household
 * 'card-<number>' (enrolled at the lane, not opted in) and the card row. Both inserts are
 * ON CONFLICT DO NOTHING and the mapping is read afterwards, so a concurrent enrolment of the same
 * card (another import, the POS API) ends with one household, whoever wins.
 */
export async function mapCardsToHouseholds(db: Kysely<DB>): Promise<void> {
  const unknownCards = sql`
    SELECT DISTINCT b.card FROM import_basket b
    WHERE b.status = 'new' AND b.card <> '' AND NOT EXISTS (SELECT 1 FROM loyalty_card c WHERE c.card_number = b.card)`
  await sql`
    INSERT INTO household (external_id, enrolled_via, opted_in)
    SELECT 'card-' || u.card, 'pos', false FROM (${unknownCards}) u ORDER BY u.card COLLATE "C" ON CONFLICT (external_id) DO NOTHING`.execute(db)
  await sql`
    INSERT INTO loyalty_card (card_number, household_id)
    SELECT u.card, h.id FROM (${unknownCards}) u JOIN household h ON h.external_id = 'card-' || u.card
    ORDER BY u.card COLLATE "C" ON CONFLICT (card_number) DO NOTHING`.execute(db)
  await sql`
    UPDATE import_basket b SET household_id = c.household_id
    FROM loyalty_card c WHERE c.card_number = b.card AND b.status = 'new'`.execute(db)
}

/**
 * Writes the new baskets: headers first (ON CONFLICT DO NOTHING: a basket another import stored
 * meanwhile is skipped, and counted as a duplicate), then the lines of the headers actually
 * inserted. Run inside the caller's transaction.
 */
export async function writeNewBaskets(trx: Kysely<DB>): Promise<{ imported: number; raced: number }> {
  await sql`
    WITH ins AS (
      INSERT INTO pos_transaction (store_id, pos_transaction_id, lane, card_number, household_id, occurred_at,
        line_count, total_cents, content_hash, source)
      SELECT store_id, txn_id, NULLIF(lane, ''), NULLIF(card, ''), household_id, occurred_at,
        line_count, total_cents, content_hash, 'import'
      FROM import_basket WHERE status = 'new'
      -- the POS API's order (transactions.service.ts sorts by store, then id, in code-point order):
      -- an import and a lane posting the same baskets take their key locks in the same order
      ORDER BY store_id COLLATE "C", txn_id COLLATE "C"
      ON CONFLICT (store_id, pos_transaction_id) DO NOTHING
      RETURNING id, store_id, pos_transaction_id)
    UPDATE import_basket b SET id = ins.id FROM ins WHERE b.store_id = ins.store_id AND b.txn_id = ins.pos_transaction_id`.execute(trx)
  await sql`
    -- One sort, by transaction_line's key then line: it numbers each basket's lines in file order
    -- and feeds the index in key order (appending to a btree costs much less than inserting at
    -- random places in it). household_id and occurred_at are the basket's, so the partitions are
    -- exactly the baskets.
    INSERT INTO transaction_line (household_id, occurred_at, transaction_id, line_no, sku, quantity, unit_price_cents, discount_cents)
    SELECT b.household_id, b.occurred_at, b.id, row_number() OVER w, l.sku, l.quantity, l.unit_price_cents, l.discount_cents
    FROM import_line l JOIN import_basket b ON b.store_id = l.store_id AND b.txn_id = l.txn_id
    WHERE b.id IS NOT NULL
    WINDOW w AS (PARTITION BY b.household_id, b.occurred_at, b.id ORDER BY l.line)`.execute(trx)
  const r = await sql<{ imported: number; raced: number }>`
    SELECT coalesce(sum(line_count) FILTER (WHERE id IS NOT NULL), 0)::bigint AS imported,
      coalesce(sum(line_count) FILTER (WHERE id IS NULL), 0)::bigint AS raced
    FROM import_basket WHERE status = 'new'`.execute(trx)
  return r.rows[0]!
}

/** Sorting a large file's lines in memory beats spilling to disk; scoped to the caller's transaction. */
export async function setLocalWorkMem(trx: Kysely<DB>, mb: number): Promise<void> {
  await sql`SELECT set_config('work_mem', ${`${mb}MB`}, true)`.execute(trx)
}
