import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { HouseholdInput } from './households.schemas.ts'

export type EnrolledVia = 'import' | 'api'

/**
 * Inserts or updates households by external id in one statement; returns only the rows that
 * changed (an identical household is not touched, so a replay is a no-op). consent_changed_at
 * moves to `now` whenever opted_in flips, and is set at creation when the household opts in.
 */
export async function upsertHouseholds(db: Kysely<DB>, rows: readonly HouseholdInput[], via: EnrolledVia, now: Date) {
  if (rows.length === 0) return []
  const r = await sql<{ external_id: string; inserted: boolean }>`
    WITH input AS MATERIALIZED (
      SELECT * FROM unnest(${rows.map((h) => h.householdId)}::text[], ${rows.map((h) => h.name)}::text[],
                           ${rows.map((h) => h.email)}::text[], ${rows.map((h) => h.postalCode)}::text[],
                           ${rows.map((h) => h.optedIn)}::bool[]) AS t(external_id, name, email, postal_code, opted_in)
    )
    INSERT INTO household AS h (external_id, name, email, postal_code, opted_in, consent_changed_at, enrolled_via,
                                created_at, updated_at)
    SELECT i.external_id, i.name, i.email, i.postal_code, i.opted_in, CASE WHEN i.opted_in THEN ${now}::timestamptz END,
           ${via}, ${now}::timestamptz, ${now}::timestamptz
    FROM input i
    -- Skip identical rows up front (ON CONFLICT DO UPDATE would lock, so write, each of them); a scalar
    -- subquery keeps it one index probe per input row.
    WHERE (SELECT ROW(x.name, x.email, x.postal_code, x.opted_in) FROM household x WHERE x.external_id = i.external_id)
      IS DISTINCT FROM ROW(i.name, i.email, i.postal_code, i.opted_in)
    -- rows are locked in key order, so two overlapping batches cannot deadlock
    ORDER BY i.external_id
    ON CONFLICT (external_id) DO UPDATE SET
      name = excluded.name, email = excluded.email, postal_code = excluded.postal_code, opted_in = excluded.opted_in,
      consent_changed_at = CASE WHEN h.opted_in <> excluded.opted_in THEN excluded.updated_at ELSE h.consent_changed_at END,
      updated_at = excluded.updated_at
    WHERE (h.name, h.email, h.postal_code, h.opted_in)
      IS DISTINCT FROM (excluded.name, excluded.email, excluded.postal_code, excluded.opted_in)
    RETURNING h.external_id, (h.xmax = 0) AS inserted
  `.execute(db)
  return r.rows
}

/** A card and the external id of the household it belongs to. */
export interface CardPair {
  readonly card: string
  readonly householdId: string
}

// The batch's cards with their target household's id, sorted so rows are locked in one global order
// (concurrent batches cannot deadlock). Lookups are correlated subqueries on purpose: one index probe
// per card, where a join may be planned as a hash join scanning all households or cards.
const targets = (pairs: readonly CardPair[]) => sql`
  SELECT c.card_number, (SELECT h.id FROM household h WHERE h.external_id = c.external_id) AS household_id
  FROM unnest(${pairs.map((p) => p.card)}::text[], ${pairs.map((p) => p.householdId)}::text[]) AS c(card_number, external_id)
  ORDER BY c.card_number`

/**
 * Current owners of the cards that belong to another household than `pairs` says, row-locked until
 * the caller's transaction ends: a concurrent move or lane enrollment of the same card waits, then
 * sees the new owner.
 */
export async function lockCardsToMove(db: Kysely<DB>, pairs: readonly CardPair[]): Promise<Map<string, number>> {
  if (pairs.length === 0) return new Map()
  const r = await sql<{ card_number: string; household_id: number }>`
    SELECT t.card_number, lc.household_id
    FROM (${targets(pairs)}) t
    CROSS JOIN LATERAL (
      SELECT lc.household_id FROM loyalty_card lc
      WHERE lc.card_number = t.card_number AND lc.household_id <> t.household_id
      FOR UPDATE
    ) lc
  `.execute(db)
  return new Map(r.rows.map((x) => [x.card_number, x.household_id]))
}

export interface AssignedCard {
  readonly card_number: string
  readonly household_id: number
  /** false: the card existed and was moved here from another household */
  readonly inserted: boolean
}

/** Attaches each card to the household with the given external id; returns the cards that changed. */
export async function assignCards(db: Kysely<DB>, pairs: readonly CardPair[], now: Date): Promise<AssignedCard[]> {
  if (pairs.length === 0) return []
  const r = await sql<AssignedCard>`
    WITH t AS MATERIALIZED (${targets(pairs)})
    INSERT INTO loyalty_card AS lc (card_number, household_id, created_at)
    SELECT t.card_number, t.household_id, ${now}::timestamptz FROM t
    -- cards already where they belong are left alone (not even locked)
    WHERE (SELECT x.household_id FROM loyalty_card x WHERE x.card_number = t.card_number) IS DISTINCT FROM t.household_id
    ON CONFLICT (card_number) DO UPDATE SET household_id = excluded.household_id
    WHERE lc.household_id <> excluded.household_id
    RETURNING lc.card_number, lc.household_id, (lc.xmax = 0) AS inserted
  `.execute(db)
  return r.rows
}

/**
 * Lane-enrolled households ('card-<number>') of these cards. Used for a card whose previous owner the
 * lock step could not see: a lane enrolled it concurrently, after that step's snapshot.
 */
export async function findLaneHouseholds(db: Kysely<DB>, cards: readonly string[]): Promise<Map<string, number>> {
  if (cards.length === 0) return new Map()
  const r = await sql<{ card_number: string; id: number }>`
    SELECT c.card_number, h.id FROM unnest(${cards}::text[]) AS c(card_number)
    JOIN household h ON h.external_id = 'card-' || c.card_number AND h.enrolled_via = 'pos'
  `.execute(db)
  return new Map(r.rows.map((x) => [x.card_number, x.id]))
}

export interface CardMove {
  readonly card: string
  readonly fromId: number
  readonly toId: number
}

/**
 * Re-homes the purchase history of moved cards: their transactions and those transactions' lines.
 * Transactions are found through the old household (indexed), lines through their transaction
 * within the old household (the line key starts with household_id). One statement: both CTEs
 * read the same snapshot, so the lines still see their transactions' old household.
 */
export async function moveCardHistory(db: Kysely<DB>, moves: readonly CardMove[]): Promise<{ transactions: number; lines: number }> {
  if (moves.length === 0) return { transactions: 0, lines: 0 }
  const r = await sql<{ transactions: number; lines: number }>`
    WITH m AS (
      SELECT * FROM unnest(${moves.map((x) => x.card)}::text[], ${moves.map((x) => x.fromId)}::int8[],
                           ${moves.map((x) => x.toId)}::int8[]) AS m(card_number, from_id, to_id)
    ), moved_lines AS (
      UPDATE transaction_line tl SET household_id = m.to_id
      FROM m JOIN pos_transaction pt ON pt.household_id = m.from_id AND pt.card_number = m.card_number
      WHERE tl.household_id = m.from_id AND tl.transaction_id = pt.id
      RETURNING 1
    ), moved_transactions AS (
      UPDATE pos_transaction pt SET household_id = m.to_id
      FROM m WHERE pt.household_id = m.from_id AND pt.card_number = m.card_number
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM moved_transactions) AS transactions, (SELECT count(*) FROM moved_lines) AS lines
  `.execute(db)
  return r.rows[0]!
}

/** Deletes households enrolled at a lane that no longer have a card or a transaction of their own. */
export async function deleteAbandonedPosHouseholds(db: Kysely<DB>, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0
  const r = await sql`
    DELETE FROM household h
    WHERE h.id = ANY(${ids}::int8[]) AND h.enrolled_via = 'pos'
      AND NOT EXISTS (SELECT 1 FROM loyalty_card lc WHERE lc.household_id = h.id)
      AND NOT EXISTS (SELECT 1 FROM pos_transaction pt WHERE pt.household_id = h.id)
  `.execute(db)
  return Number(r.numAffectedRows ?? 0n)
}

export function findHousehold(db: Kysely<DB>, externalId: string) {
  return db
    .selectFrom('household as h')
    .select(['h.external_id', 'h.name', 'h.email', 'h.postal_code', 'h.opted_in', 'h.consent_changed_at', 'h.enrolled_via'])
    .select((eb) => [
      sql<string[]>`ARRAY(SELECT card_number FROM loyalty_card WHERE household_id = h.id ORDER BY card_number)`.as('cards'),
      eb
        .selectFrom('pos_transaction as t')
        .whereRef('t.household_id', '=', 'h.id')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('transactions'),
      eb
        .selectFrom('pos_transaction as t')
        .whereRef('t.household_id', '=', 'h.id')
        .select((e) => e.fn.max('t.occurred_at').as('last'))
        .as('last_visit'),
    ])
    .where('h.external_id', '=', externalId)
    .executeTakeFirst()
}

export type HouseholdRow = NonNullable<Awaited<ReturnType<typeof findHousehold>>>
