import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Ctx } from '../../context.ts'
import type { Role } from '../../db/schema.ts'
import { badRequest } from '../../errors.ts'
import { ensureStores, findActiveApiKey, insertApiKey } from './api-keys.repository.ts'

export const ROLES = ['pos', 'cashier', 'analyst', 'admin'] as const satisfies readonly Role[]

export interface Principal {
  readonly keyId: string
  readonly role: Role
  /** Stores a `pos` or `cashier` key may act for; empty means every store (admin, analyst). */
  readonly storeIds: readonly string[]
}

// Key format: pantry_<keyId>_<secret>. The key id finds the row; only SHA-256(secret) is stored.
// The secret is 256 random bits, so a fast hash is enough (no password-style stretching needed).
const KEY_PATTERN = /^pantry_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/

export async function createApiKey(ctx: Ctx, input: { role: Role; storeIds: string[]; label?: string }): Promise<string> {
  if (input.role === 'pos' && input.storeIds.length === 0) throw badRequest('a pos key must name at least one store (--store)')
  const keyId = randomBytes(8).toString('hex')
  const secret = randomBytes(32).toString('base64url')
  await ctx.db.transaction().execute(async (trx) => {
    await ensureStores(trx, input.storeIds)
    await insertApiKey(trx, { keyId, secretHash: hashSecret(secret), role: input.role, storeIds: input.storeIds, label: input.label ?? null })
  })
  return `pantry_${keyId}_${secret}`
}

const cache = new Map<string, { principal: Principal | null; until: number }>()
const CACHE_MS = 30_000

/**
 * Resolves a bearer key to its principal, or null. Verified keys are cached for 30 s per process,
 * so a revoked key stops working within 30 s; a POS posting every second costs no extra query.
 */
export async function authenticate(ctx: Ctx, presented: string): Promise<Principal | null> {
  const now = Date.now()
  const hit = cache.get(presented)
  if (hit && hit.until > now) return hit.principal
  const m = KEY_PATTERN.exec(presented)
  let principal: Principal | null = null
  if (m) {
    const row = await findActiveApiKey(ctx.db, m[1]!)
    if (row && timingSafeEqual(row.secret_hash, hashSecret(m[2]!))) {
      principal = { keyId: row.key_id, role: row.role, storeIds: row.store_ids }
    }
  }
  if (cache.size > 10_000) cache.clear()
  cache.set(presented, { principal, until: now + CACHE_MS })
  return principal
}

export function mayActForStore(p: Principal, storeId: string): boolean {
  if (p.role === 'admin') return true
  return p.storeIds.length === 0 ? p.role !== 'pos' : p.storeIds.includes(storeId)
}

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest()
}
