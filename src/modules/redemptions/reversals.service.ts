import type { Ctx } from '../../context.ts'
import { notFound } from '../../errors.ts'
import { localDate } from './redemption-rules.ts'
import type { RedemptionSettings } from './redemptions.service.ts'
import { retryOnDeadlock } from '../../db/transaction.ts'
import type { VoidInput, VoidResult } from './redemptions.schemas.ts'
import { claimReturns, markVoided, redemptionExists, type ReturnClaim, reverseLines, reversedLines } from './reversals.repository.ts'

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
 * (a group of posted baskets) cost one statement. Returns the number restored.
 */
export async function restoreReturnedItems(ctx: Ctx, returns: readonly ReturnedItems[]): Promise<number> {
  const rows: ReturnClaim[] = returns.flatMap((r) => [...new Set(r.skus)].map((sku) => ({ storeId: r.storeId, transactionId: r.transactionId, cardNumber: r.cardNumber, sku })))
  if (rows.length === 0) return 0
  const at = ctx.now()
  return retryOnDeadlock(() => claimReturns(ctx.db, rows, at))
}
