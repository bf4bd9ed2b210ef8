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
  /** Issued lists, all cycles. */
  lists: number
  /** First day of the newest list cycle, YYYY-MM-DD; null before the first. */
  lastCycle: string | null
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
      (SELECT count(*) FROM transaction_line)::int8 AS lines,
      (SELECT count(*) FROM issued_list)::int8 AS lists,
      (SELECT max(cycle_start)::text FROM list_cycle) AS "lastCycle"
  `.execute(db)
  return r.rows[0]!
}
