import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'

// The cycle's own tables: list_cycle, cycle_household, issued_list, offer_instance. Every write is
// keyed by the cycle (and household) with ON CONFLICT DO NOTHING, so a step that is run again
// (a resumed or repeated cycle) writes nothing twice.

export async function findCycle(db: Kysely<DB>, start: string) {
  return db.selectFrom('list_cycle').selectAll().where('cycle_start', '=', start).executeTakeFirst()
}
export type CycleRow = NonNullable<Awaited<ReturnType<typeof findCycle>>>

/** The cycle a run without --date continues: the oldest unfinished one, else the newest. */
export async function cycleToContinue(db: Kysely<DB>): Promise<{ cycle_start: string; status: string } | undefined> {
  const running = await db
    .selectFrom('list_cycle')
    .select(['cycle_start', 'status'])
    .where('status', '=', 'running')
    .orderBy('cycle_start')
    .executeTakeFirst()
  return running ?? db.selectFrom('list_cycle').select(['cycle_start', 'status']).orderBy('cycle_start', 'desc').executeTakeFirst()
}

export async function insertCycle(db: Kysely<DB>, row: { start: string; end: string; asOf: Date; params: unknown }): Promise<void> {
  await db
    .insertInto('list_cycle')
    .values({ cycle_start: row.start, cycle_end: row.end, as_of: row.asOf, params: JSON.stringify(row.params) })
    .onConflict((oc) => oc.column('cycle_start').doNothing())
    .execute()
}

/** Records every qualified household's arm; then the cycle's counts, which mark the step done. */
export async function insertArms(trx: Kysely<DB>, start: string, arms: readonly { id: number; arm: 'list' | 'control' }[]): Promise<void> {
  if (arms.length > 0) {
    await sql`
      INSERT INTO cycle_household (household_id, cycle_start, arm)
      SELECT h, ${start}::date, a FROM unnest(${arms.map((x) => x.id)}::int8[], ${arms.map((x) => x.arm)}::text[]) AS u(h, a)
      ON CONFLICT DO NOTHING`.execute(trx)
  }
  const control = arms.filter((a) => a.arm === 'control').length
  await trx.updateTable('list_cycle').set({ qualified: arms.length, control }).where('cycle_start', '=', start).execute()
}

export interface ArmHousehold {
  readonly id: number
  readonly externalId: string
  readonly name: string | null
  readonly postalCode: string | null
  /** The household's lowest card number: the card the list is printed for (null: no card). */
  readonly cardNumber: string | null
}

/** The list arm of a cycle, in household id order. */
export async function listArm(db: Kysely<DB>, start: string): Promise<ArmHousehold[]> {
  const r = await sql<ArmHousehold>`
    SELECT h.id, h.external_id AS "externalId", h.name, h.postal_code AS "postalCode",
           (SELECT min(c.card_number) FROM loyalty_card c WHERE c.household_id = h.id) AS "cardNumber"
    FROM cycle_household ch JOIN household h ON h.id = ch.household_id
    WHERE ch.cycle_start = ${start}::date AND ch.arm = 'list'
    ORDER BY h.id`.execute(db)
  return r.rows
}

/**
 * Each household's home store: where it made the most baskets in [from, to) (ties: the latest
 * basket, then the store id), with the store's name.
 */
export async function homeStores(db: Kysely<DB>, ids: readonly number[], from: Date, to: Date): Promise<Map<number, { id: string; name: string }>> {
  if (ids.length === 0) return new Map()
  const r = await sql<{ household_id: number; store_id: string; name: string | null }>`
    SELECT DISTINCT ON (t.household_id) t.household_id, t.store_id, s.name
    FROM pos_transaction t JOIN store s ON s.id = t.store_id
    WHERE t.household_id = ANY(${[...ids]}::int8[]) AND t.occurred_at >= ${from} AND t.occurred_at < ${to}
    GROUP BY t.household_id, t.store_id, s.name
    ORDER BY t.household_id, count(*) DESC, max(t.occurred_at) DESC, t.store_id`.execute(db)
  return new Map(r.rows.map((x) => [x.household_id, { id: x.store_id, name: x.name ?? x.store_id }]))
}

export async function issuedHouseholds(db: Kysely<DB>, start: string): Promise<Set<number>> {
  const rows = await db.selectFrom('issued_list').select('household_id').where('cycle_start', '=', start).execute()
  return new Set(rows.map((r) => r.household_id))
}

/** GS1 serials among `serials` that are already taken. */
export async function takenSerials(db: Kysely<DB>, serials: readonly string[]): Promise<Set<string>> {
  if (serials.length === 0) return new Set()
  const rows = await db.selectFrom('offer_instance').select('gs1_serial').where('gs1_serial', 'in', [...serials]).execute()
  return new Set(rows.map((r) => r.gs1_serial!))
}

export interface IssuedListRow {
  readonly householdId: number
  readonly listCode: string
  readonly storeId: string
  readonly cardNumber: string
  readonly postalCode: string | null
  readonly snapshot: unknown
  readonly offerValueCents: number
  readonly instances: readonly {
    code: string
    gs1Serial: string | null
    offerId: string
    sku: string
    /** The printed reward ({ kind, amountCents | percent | priceCents }), stored as jsonb. */
    reward: unknown
    valueCents: number
    minQuantity: number
    validFrom: string
    expiresOn: string
  }[]
}

/** Inserts lists and their offer instances (the caller's transaction keeps them together). */
export async function insertLists(trx: Kysely<DB>, start: string, lists: readonly IssuedListRow[], issuedAt: Date): Promise<void> {
  if (lists.length === 0) return
  await trx
    .insertInto('issued_list')
    .values(
      lists.map((l) => ({
        household_id: l.householdId,
        cycle_start: start,
        list_code: l.listCode,
        store_id: l.storeId,
        card_number: l.cardNumber,
        postal_code: l.postalCode,
        snapshot: JSON.stringify(l.snapshot),
        offer_value_cents: l.offerValueCents,
        issued_at: issuedAt,
      })),
    )
    .onConflict((oc) => oc.columns(['household_id', 'cycle_start']).doNothing())
    .execute()
  const instances = lists.flatMap((l) =>
    l.instances.map((i) => ({
      household_id: l.householdId,
      code: i.code,
      gs1_serial: i.gs1Serial,
      cycle_start: start,
      list_code: l.listCode,
      offer_id: i.offerId,
      sku: i.sku,
      reward: JSON.stringify(i.reward),
      value_cents: i.valueCents,
      min_quantity: i.minQuantity,
      valid_from: i.validFrom,
      expires_on: i.expiresOn,
    })),
  )
  for (let i = 0; i < instances.length; i += 2000) {
    await trx
      .insertInto('offer_instance')
      .values(instances.slice(i, i + 2000))
      .onConflict((oc) => oc.columns(['household_id', 'code']).doNothing())
      .execute()
  }
}

export async function cycleTotals(db: Kysely<DB>, start: string): Promise<{ lists: number; offers: number; offerCents: number }> {
  const r = await sql<{ lists: number; offers: number; offer_cents: number }>`
    SELECT (SELECT count(*) FROM issued_list WHERE cycle_start = ${start}::date)::int8 AS lists,
           count(*)::int8 AS offers, coalesce(sum(value_cents), 0)::int8 AS offer_cents
    FROM offer_instance WHERE cycle_start = ${start}::date`.execute(db)
  const row = r.rows[0]!
  return { lists: row.lists, offers: row.offers, offerCents: row.offer_cents }
}

/** Marks the issuing step done (the count of lists) or the whole cycle finished. */
export async function markIssued(db: Kysely<DB>, start: string, issued: number): Promise<void> {
  await db.updateTable('list_cycle').set({ issued }).where('cycle_start', '=', start).execute()
}

export async function markFinished(db: Kysely<DB>, start: string, at: Date): Promise<void> {
  await db
    .updateTable('list_cycle')
    .set({ status: 'finished', finished_at: at })
    .where('cycle_start', '=', start)
    .where('status', '=', 'running')
    .execute()
}
