import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'

export interface Counts {
  stores: number
  products: number
  placeholderProducts: number
  households: number
  cards: number
  transactions: number
  lines: number
}

export async function countAll(db: Kysely<DB>): Promise<Counts> {
  const r = await sql<Counts>`
    SELECT
      (SELECT count(*) FROM store)::int8 AS stores,
      (SELECT count(*) FROM product)::int8 AS products,
      (SELECT count(*) FROM product WHERE placeholder)::int8 AS "placeholderProducts",
      (SELECT count(*) FROM household)::int8 AS households,
      (SELECT count(*) FROM loyalty_card)::int8 AS cards,
      (SELECT count(*) FROM pos_transaction)::int8 AS transactions,
      (SELECT count(*) FROM transaction_line)::int8 AS lines
  `.execute(db)
  return r.rows[0]!
}
