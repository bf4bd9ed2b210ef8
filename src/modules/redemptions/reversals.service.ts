import type { Ctx } from '../../context.ts'
import { notFound } from '../../errors.ts'
import { localDate } from './redemption-rules.ts'
import type { RedemptionSettings } from './redemptions.service.ts'
import { retryOnDeadlock } from '../../db/transaction.ts'
import type { VoidInput, VoidResult } from './redemptions.schemas.ts'
import { claimReturns, householdOfCard, markVoided, redemptionExists, reverseLines, reversedLines } from './reversals.repository.ts'

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
 * A basket returning items (negative quantities) restores, per returned SKU, the household's latest
 * live redemption of it: the basket carries no link to the original sale, so the latest is the best
 * guess. Once per (return basket, SKU), however often the basket is replayed. Returns the number restored.
 */
export async function restoreReturnedItems(ctx: Ctx, r: ReturnedItems): Promise<number> {
  const householdId = await householdOfCard(ctx.db, r.cardNumber)
  if (householdId === null || r.skus.length === 0) return 0
  const at = ctx.now()
  const skus = [...new Set(r.skus)].sort()
  return retryOnDeadlock(() =>
    ctx.db.transaction().execute(async (trx) => {
      const codes = await claimReturns(trx, { storeId: r.storeId, transactionId: r.transactionId, householdId, skus, at })
      if (codes.length === 0) return 0
      return reverseLines(trx, { codes }, { reason: 'return', byStoreId: r.storeId, byTransactionId: r.transactionId, at })
    }),
  )
}
