import type { Ctx } from '../../context.ts'
import { badRequest, conflict, type FieldError, fieldPath, forbidden } from '../../errors.ts'
import { mayActForStore, type Principal } from '../auth/api-keys.service.ts'
import { redeemStoredBaskets } from '../redemptions/basket-redemption.ts'
import type { RedemptionResult } from '../redemptions/redemptions.schemas.ts'
import type { RedemptionSettings } from '../redemptions/redemptions.service.ts'
import type { IngestQueue } from './ingest-queue.ts'
import { ingestBaskets } from './transactions.service.ts'
import { type BasketInput, type BasketResult, MAX_BATCH, parseBasket } from './transactions.schemas.ts'

type Reply =
  | { status: 201; body: { id: string; storeId: string; status: 'accepted'; lines: number; redemption?: RedemptionResult } }
  | { status: 200 | 207; body: { accepted: number; rejected: number; results: BasketResult[] } }

const MAX_FUTURE_MS = 24 * 3600 * 1000

/** Shapes the POS request into baskets, checks each one and the key's stores, and ingests. */
export async function postTransactions(ctx: Ctx, queue: IngestQueue<RedemptionResult>, principal: Principal, body: unknown, redemption?: RedemptionSettings): Promise<Reply> {
  const batch = asBatch(body)
  if (!batch) return postSingle(ctx, queue, principal, body)
  const checked = batch.map((b, i) => check(b, `transactions[${i}]`, ctx.now()))
  assertStores(principal, checked.flatMap((c) => (c.ok ? [c.basket.storeId] : [])))
  const valid = checked.flatMap((c, index) => (c.ok ? [{ index, basket: c.basket }] : []))
  const outcomes = valid.length > 0 ? await ingestBaskets(ctx, valid.map((v) => v.basket)) : []
  const results: BasketResult[] = checked.map((c, index) => ({
    index,
    id: c.ok ? c.basket.id : c.id,
    storeId: c.ok ? c.basket.storeId : c.storeId,
    status: 'rejected',
    errors: c.ok ? undefined : c.errors,
  }))
  valid.forEach((v, k) => {
    const o = outcomes[k]!
    results[v.index] =
      o.status === 'accepted'
        ? { index: v.index, id: v.basket.id, storeId: v.basket.storeId, status: 'accepted', lines: o.lines }
        : { ...results[v.index]!, errors: [{ field: `transactions[${v.index}].id`, message: 'already stored with different content' }] }
  })
  // Codes are redeemed after the baskets are stored, one transaction per basket (basket-redemption.ts).
  const stored = valid.filter((_, k) => outcomes[k]!.status === 'accepted')
  const redeemed = await redeemStoredBaskets(ctx, redemption, stored.map((v) => v.basket))
  stored.forEach((v, k) => {
    if (redeemed[k]) results[v.index] = { ...results[v.index]!, redemption: redeemed[k] }
  })
  const accepted = results.filter((r) => r.status === 'accepted').length
  return { status: accepted === results.length ? 200 : 207, body: { accepted, rejected: results.length - accepted, results } }
}

async function postSingle(ctx: Ctx, queue: IngestQueue<RedemptionResult>, principal: Principal, body: unknown): Promise<Reply> {
  const c = check(body, '', ctx.now())
  if (!c.ok) throw badRequest(`${c.errors[0]!.field}: ${c.errors[0]!.message}`, c.errors)
  assertStores(principal, [c.basket.storeId])
  const outcome = await queue.submit(c.basket)
  if (outcome.status !== 'accepted') throw conflict(`basket ${c.basket.id} of store ${c.basket.storeId} is already stored with different content`, [{ field: 'id', message: 'already stored with different content' }])
  // The queue redeemed its codes with the rest of its group (basket-redemption.ts).
  const redeemed = outcome.after
  return { status: 201, body: { id: c.basket.id, storeId: c.basket.storeId, status: 'accepted', lines: outcome.lines, ...(redeemed && { redemption: redeemed }) } }
}

function asBatch(body: unknown): unknown[] | undefined {
  const list = Array.isArray(body) ? body : isObject(body) && 'transactions' in body ? body.transactions : undefined
  if (list === undefined) return undefined
  if (!Array.isArray(list)) throw badRequest('transactions must be an array', [{ field: 'transactions', message: 'expected an array' }])
  if (list.length === 0) throw badRequest('the batch is empty', [{ field: 'transactions', message: 'at least 1 basket' }])
  if (list.length > MAX_BATCH) throw badRequest(`at most ${MAX_BATCH} baskets per request`, [{ field: 'transactions', message: `at most ${MAX_BATCH} baskets, got ${list.length}` }])
  return list
}

type Checked = { ok: true; basket: BasketInput } | { ok: false; id: string | null; storeId: string | null; errors: FieldError[] }

function check(raw: unknown, prefix: string, now: Date): Checked {
  const r = parseBasket(raw)
  if (!r.success) {
    const o = isObject(raw) ? raw : {}
    return {
      ok: false,
      id: typeof o.id === 'string' ? o.id : null,
      storeId: typeof o.storeId === 'string' ? o.storeId : null,
      errors: r.error.issues.map((i) => ({ field: fieldPath(i.path, prefix), message: i.message })),
    }
  }
  if (Date.parse(r.data.occurredAt) > now.getTime() + MAX_FUTURE_MS) {
    return { ok: false, id: r.data.id, storeId: r.data.storeId, errors: [{ field: fieldPath(['occurredAt'], prefix), message: 'is more than a day in the future' }] }
  }
  return { ok: true, basket: r.data }
}

function assertStores(principal: Principal, storeIds: readonly string[]): void {
  const denied = [...new Set(storeIds)].filter((s) => !mayActForStore(principal, s))
  if (denied.length > 0) throw forbidden(`this key may not post for store ${denied.join(', ')}`)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

