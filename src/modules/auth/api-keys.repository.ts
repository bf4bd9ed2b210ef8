import type { Kysely } from 'kysely'
import type { DB, Role } from '../../db/schema.ts'

export async function insertApiKey(
  db: Kysely<DB>,
  key: { keyId: string; secretHash: Buffer; role: Role; storeIds: string[]; label: string | null },
): Promise<void> {
  await db
    .insertInto('api_key')
    .values({ key_id: key.keyId, secret_hash: key.secretHash, role: key.role, store_ids: key.storeIds, label: key.label })
    .execute()
}

export function findActiveApiKey(db: Kysely<DB>, keyId: string) {
  return db
    .selectFrom('api_key')
    .select(['id', 'key_id', 'secret_hash', 'role', 'store_ids'])
    .where('key_id', '=', keyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
}

export async function revokeApiKey(db: Kysely<DB>, keyId: string, at: Date): Promise<boolean> {
  const r = await db.updateTable('api_key').set({ revoked_at: at }).where('key_id', '=', keyId).where('revoked_at', 'is', null).executeTakeFirst()
  return r.numUpdatedRows > 0n
}

export function listApiKeys(db: Kysely<DB>) {
  return db.selectFrom('api_key').select(['key_id', 'role', 'store_ids', 'label', 'created_at', 'revoked_at']).orderBy('id').execute()
}

export async function ensureStores(db: Kysely<DB>, storeIds: readonly string[]): Promise<void> {
  if (storeIds.length === 0) return
  await db
    .insertInto('store')
    .values(storeIds.map((id) => ({ id })))
    .onConflict((oc) => oc.column('id').doNothing())
    .execute()
}
