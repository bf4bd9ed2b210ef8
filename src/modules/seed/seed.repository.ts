import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'

export interface StoreRow {
  readonly id: string
  readonly name: string
  readonly postalCode: string
}

/**
 * Creates the seed's stores so that its transactions can reference them. A store that exists
 * already is left as it is (a re-run or the chain's own data wins); returns how many were new.
 */
export async function insertMissingStores(db: Kysely<DB>, stores: readonly StoreRow[]): Promise<number> {
  if (stores.length === 0) return 0
  const r = await db
    .insertInto('store')
    .values(stores.map((s) => ({ id: s.id, name: s.name, postal_code: s.postalCode })))
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst()
  return Number(r.numInsertedOrUpdatedRows ?? 0)
}
