import type { Ctx } from '../../context.ts'
import type { BasketInput } from '../transactions/transactions.schemas.ts'
import type { RedemptionResult } from './redemptions.schemas.ts'
import { commitRedemption, type RedemptionSettings } from './redemptions.service.ts'
import { restoreReturnedItems } from './reversals.service.ts'

/**
 * The redemption step of POST /v1/transactions, run after the baskets are stored, each in its own
 * transaction keyed by (storeId, basket id). It runs for replays of a basket too: if the service
 * stopped between storing a basket and redeeming its codes, the lane's retry (a replay) finishes
 * the job, and a replay that finds the redemption done gets the stored answer. A basket is a sale
 * that already happened, so it is judged like an offline replay: on its own day, and codes the
 * lane honoured but the service refuses become exceptions. Returned items (negative quantities)
 * with a card restore the household's latest redemption of the SKU, for all the baskets in one
 * transaction, before any basket's codes are redeemed. Returns each basket's
 * redemption result (undefined: no codes, or redemption not configured).
 */
export async function redeemStoredBaskets(
  ctx: Ctx,
  settings: RedemptionSettings | undefined,
  baskets: readonly BasketInput[],
): Promise<(RedemptionResult | undefined)[]> {
  if (!settings) return baskets.map(() => undefined)
  await restoreReturnedItems(
    ctx,
    baskets.flatMap((b) => {
      const skus = b.items.filter((i) => i.quantity < 0).map((i) => i.sku)
      return skus.length > 0 && b.cardNumber ? [{ storeId: b.storeId, transactionId: b.id, cardNumber: b.cardNumber, skus }] : []
    }),
  )
  const out: (RedemptionResult | undefined)[] = []
  // One basket at a time: a batch is a store catching up, not a lane waiting at the till.
  for (const b of baskets) out.push(await redeemOne(ctx, settings, b))
  return out
}

async function redeemOne(ctx: Ctx, s: RedemptionSettings, b: BasketInput): Promise<RedemptionResult | undefined> {
  const codes = b.redeemedCodes ?? []
  if (codes.length === 0) return undefined
  const input = {
    storeId: b.storeId,
    transactionId: b.id,
    lane: b.lane,
    cardNumber: b.cardNumber ?? null,
    items: b.items.filter((i) => i.quantity > 0).map((i) => ({ sku: i.sku, quantity: i.quantity, unitPriceCents: i.unitPriceCents })),
    codes,
    offline: false,
    occurredAt: b.occurredAt,
  }
  // A lane that redeemed online first and posts the basket after finds its redemption kept.
  return commitRedemption(ctx, s, input, { source: 'basket', keepStored: true })
}
