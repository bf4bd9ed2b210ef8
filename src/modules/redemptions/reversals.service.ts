import type { Ctx } from '../../context.ts'
import { notFound } from '../../errors.ts'
import { localDate } from './redemption-rules.ts'
import type { RedemptionSettings } from './redemptions.service.ts'
import { retryOnDeadlock } from '../../db/transaction.ts'
import type { VoidInput, VoidResult } from './redemptions.schemas.ts'
import { claimReturns, householdsOfCards, markVoided, redemptionExists, type ReturnClaim, reverseLines, reversedLines } from './reversals.repository.ts'

/**
 * Voids a lane transaction's redemptions (all, or only the given SKUs: a return with the receipt).
 * Each line is reversed once: its instance is restored and its offer's budget refunded. Idempotent:
 * voiding again reverses nothing more and answers with the same lines.
 */
export async function voidRedemption(ctx: Ctx, s: RedemptionSettings, input: VoidInput): Promise<VoidResult> {
  const { storeId, transactionId } = input
  const skus = input.skus ?? null
  const at = ctx.now()
  const reason = skus === null ? 'void' : 'return'
  await retryOnDeadlock(() =>
    ctx.db.transaction().execute(async (trx) => {
      await reverseLines(trx, { storeId, transactionId, skus }, { reason, byStoreId: storeId, byTransactionId: transactionId, at })
      if (skus === null) await markVoided(trx, storeId, transactionId, at)
    }),
  )
  const lines = await reversedLines(ctx.db, storeId, transactionId, skus, localDate(at, s.timeZone))
  if (lines.length === 0 && !(await redemptionExists(ctx.db, storeId, transactionId))) {
    throw notFound(`no redemption for transaction ${transactionId} of store ${storeId}`)
  }
  return {
    storeId,
    transactionId,
    voided: lines.map((l) => ({ code: l.code, offerId: l.offer_id, sku: l.sku, discountCents: l.discount_cents, reason: l.void_reason ?? reason, restored: l.restored })),
  }
}

export interface ReturnedItems {
  /** The return basket. */
  readonly storeId: string
  readonly transactionId: string
  readonly cardNumber: string
  readonly skus: readonly string[]
}

/**
 * Baskets returning items (negative quantities) restore, per returned SKU, the household's latest
 * live redemption of it: a basket carries no link to the original sale, so the latest is the best
 * guess. Once per (return basket, SKU), however often a basket is replayed. Many baskets at once
 * (a group of posted baskets) cost one card lookup and one transaction. Returns the number restored.
 */
export async function restoreReturnedItems(ctx: Ctx, returns: readonly ReturnedItems[]): Promise<number> {
  const todo = returns.filter((r) => r.skus.length > 0)
  if (todo.length === 0) return 0
  const households = await householdsOfCards(ctx.db, [...new Set(todo.map((r) => r.cardNumber))])
  const rows: ReturnClaim[] = []
  for (const r of todo) {
    const householdId = households.get(r.cardNumber)
    if (householdId === undefined) continue
    for (const sku of new Set(r.skus)) rows.push({ storeId: r.storeId, transactionId: r.transactionId, householdId, sku })
  }
  if (rows.length === 0) return 0
  const at = ctx.now()
  return retryOnDeadlock(() =>
    ctx.db.transaction().execute(async (trx) => {
      const claimed = await claimReturns(trx, rows, at)
      const byBasket = new Map<string, typeof claimed>()
      for (const c of claimed) {
        const k = `${c.storeId}\u0000${c.transactionId}`
        byBasket.set(k, [...(byBasket.get(k) ?? []), c])
      }
      let restored = 0
      for (const codes of byBasket.values()) {
        const { storeId, transactionId } = codes[0]!
        restored += await reverseLines(trx, { codes: codes.map((c) => c.code) }, { reason: 'return', byStoreId: storeId, byTransactionId: transactionId, at })
      }
      return restored
    }),
  )
}
