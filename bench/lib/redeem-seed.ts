import { sql } from 'kysely'
import { deriveCode } from '../../src/modules/codes/codes.ts'
import type { BenchDb } from './bench-db.ts'

// The state bench:redeem starts from: a chain with stores, products and offers, and one issued
// list per household carrying a few offer instances, all valid today. Written with set-based SQL;
// only the codes come from JS (they carry an HMAC of the server's secret).

export interface RedeemShape {
  readonly stores: number
  readonly households: number
  readonly perList: number
  readonly offers: number
  readonly skus: number
}

export interface BenchInstance {
  readonly code: string
  readonly sku: string
}

const CHUNK = 10_000

export async function seedRedemption(bdb: BenchDb, secret: string, shape: RedeemShape, today: Date): Promise<BenchInstance[]> {
  const db = bdb.db
  const day = (d: number) => new Date(today.getTime() + d * 86_400_000).toISOString().slice(0, 10)
  await sql`INSERT INTO store (id) SELECT 'S' || g FROM generate_series(1, ${shape.stores}) g`.execute(db)
  await sql`INSERT INTO product (sku, name) SELECT (100000 + g)::text, 'Item ' || g FROM generate_series(0, ${shape.skus - 1}) g`.execute(db)
  await sql`INSERT INTO household (external_id, opted_in) SELECT 'H' || g, true FROM generate_series(1, ${shape.households}) g`.execute(db)
  await sql`INSERT INTO loyalty_card (card_number, household_id) SELECT (4000000 + id)::text, id FROM household`.execute(db)
  await sql`INSERT INTO funder (id, type, name) VALUES ('store', 'store', 'The chain')`.execute(db)
  // Every other offer has a redemption budget (large enough never to run out): both paths are timed.
  await sql`
    INSERT INTO offer (id, funder_id, title, target_skus, reward_kind, amount_cents, budget_count)
    SELECT 'OF' || g, 'store', 'Offer ' || g, ARRAY[(100000 + g)::text], 'amount_off', 50 + 5 * (g % 20),
           CASE WHEN g % 2 = 0 THEN 10000000 END
    FROM generate_series(0, ${shape.offers - 1}) g`.execute(db)
  await sql`INSERT INTO list_cycle (cycle_start, cycle_end, as_of) VALUES (${day(-2)}::date, ${day(11)}::date, now())`.execute(db)
  const households = await db.selectFrom('household').select('id').orderBy('id').execute()
  const lists = households.map((h) => ({ id: h.id, code: deriveCode(secret, 'list', `bench/${h.id}`) }))
  for (let i = 0; i < lists.length; i += CHUNK) {
    const part = lists.slice(i, i + CHUNK)
    await sql`
      INSERT INTO issued_list (household_id, cycle_start, list_code, store_id, card_number, snapshot)
      SELECT h, ${day(-2)}::date, c, 'S' || (1 + h % ${shape.stores}), (4000000 + h)::text, '{}'
      FROM unnest(${part.map((l) => l.id)}::int8[], ${part.map((l) => l.code)}::text[]) AS t(h, c)`.execute(db)
  }
  const instances: (BenchInstance & { household: number; list: string; offer: number })[] = []
  for (const l of lists) {
    for (let k = 0; k < shape.perList; k++) {
      const offer = (l.id * 7 + k * 13) % shape.offers
      instances.push({ code: deriveCode(secret, 'offer', `bench/${l.id}/${k}`), sku: String(100000 + offer), household: l.id, list: l.code, offer })
    }
  }
  for (let i = 0; i < instances.length; i += CHUNK) {
    const part = instances.slice(i, i + CHUNK)
    await sql`
      INSERT INTO offer_instance (household_id, code, cycle_start, list_code, offer_id, sku, value_cents, valid_from, expires_on, reward)
      SELECT h, c, ${day(-2)}::date, l, 'OF' || o, s, 150, ${day(-1)}::date, ${day(11)}::date,
             jsonb_build_object('kind', 'amount_off', 'amountCents', 50 + 5 * (o % 20))
      FROM unnest(${part.map((x) => x.household)}::int8[], ${part.map((x) => x.code)}::text[], ${part.map((x) => x.list)}::text[],
                  ${part.map((x) => x.offer)}::int4[], ${part.map((x) => x.sku)}::text[]) AS t(h, c, l, o, s)`.execute(db)
  }
  await sql`ANALYZE`.execute(db)
  // Lanes take instances in an order unrelated to households, as shoppers arrive.
  return shuffle(instances.map((x) => ({ code: x.code, sku: x.sku })))
}

function shuffle<T>(a: T[]): T[] {
  let seed = 42
  for (let i = a.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    const j = seed % (i + 1)
    ;[a[i], a[j]] = [a[j]!, a[i]!]
  }
  return a
}
