import { z } from 'zod'
import { redemptionResult } from '../redemptions/redemptions.schemas.ts'

export const MAX_BATCH = 500
export const MAX_ITEMS = 1000

const code = z.string().min(1).max(128).regex(/^[\x20-\x7e]+$/, 'printable ASCII only')

const nonZero = (q: number) => q !== 0
const notTooLarge = (q: number) => Math.abs(q) < 1e9
/** Three decimals at most (numeric(12,3)): a weighed item is 1.234 lb, not 1.23456. */
const threeDecimals = (q: number) => Math.abs(Math.round(q * 1000) - q * 1000) < 1e-6

const quantity = z
  .number()
  .finite()
  .refine(nonZero, 'must not be 0 (a return is a negative quantity)')
  .refine(notTooLarge, 'too large')
  .refine(threeDecimals, 'at most 3 decimals')

export const itemSchema = z.object({
  sku: z.string().trim().min(1).max(64),
  quantity,
  unitPriceCents: z.number().int().min(0).max(100_000_000),
  discountCents: z.number().int().min(0).max(100_000_000).optional(),
  description: z.string().max(200).optional(),
})

export const basketSchema = z.object({
  id: z.string().trim().min(1).max(128),
  storeId: z.string().trim().min(1).max(64),
  lane: z.union([z.string().max(32), z.number().int().nonnegative()]).transform(String),
  cardNumber: z.string().trim().min(1).max(64).nullish(),
  occurredAt: z.iso.datetime({ offset: true, message: 'must be ISO 8601 with an offset, e.g. 2026-03-14T17:23:05-05:00' }),
  items: z.array(itemSchema).min(1).max(MAX_ITEMS),
  redeemedCodes: z.array(code).max(100).optional(),
})

export type BasketInput = z.infer<typeof basketSchema>
type Item = BasketInput['items'][number]

// The basket without its items' checks: items are checked by fastItem below.
const basketHeadSchema = basketSchema.extend({ items: z.array(z.unknown()).min(1).max(MAX_ITEMS) })

/**
 * basketSchema.safeParse, faster: zod checks the basket's own fields, and a hand-written check the
 * items, where a 30-line basket spends most of zod's time. The hand-written check accepts only what
 * itemSchema accepts and builds the same output; for anything it is unsure of (a bad item, a SKU
 * with spaces to trim), the whole basket goes through zod, which then decides and words the errors.
 */
export function parseBasket(raw: unknown): ReturnType<typeof basketSchema.safeParse> {
  const head = basketHeadSchema.safeParse(raw)
  if (head.success) {
    const items: Item[] = []
    for (const v of head.data.items) {
      const it = fastItem(v)
      if (!it) return basketSchema.safeParse(raw)
      items.push(it)
    }
    return { success: true, data: { ...head.data, items } }
  }
  return basketSchema.safeParse(raw)
}

function fastItem(v: unknown): Item | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined
  const { sku, quantity: q, unitPriceCents, discountCents, description } = v as Record<string, unknown>
  if (typeof sku !== 'string' || sku.length === 0 || sku.length > 64 || sku.trim() !== sku) return undefined
  if (typeof q !== 'number' || !Number.isFinite(q) || !nonZero(q) || !notTooLarge(q) || !threeDecimals(q)) return undefined
  if (!isCents(unitPriceCents) || (discountCents !== undefined && !isCents(discountCents))) return undefined
  if (description !== undefined && (typeof description !== 'string' || description.length > 200)) return undefined
  const it: Item = { sku, quantity: q, unitPriceCents }
  if (discountCents !== undefined) it.discountCents = discountCents
  if (description !== undefined) it.description = description
  return it
}

function isCents(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 100_000_000
}

/** Per-basket outcome, identical for a first post and any replay of it. */
export const basketResultSchema = z.object({
  index: z.number().int(),
  id: z.string().nullable(),
  storeId: z.string().nullable(),
  status: z.enum(['accepted', 'rejected']),
  lines: z.number().int().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  /** What the basket's redeemedCodes took off (docs/redemption.md). */
  redemption: redemptionResult.optional(),
})
export type BasketResult = z.infer<typeof basketResultSchema>

export const batchResponseSchema = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  results: z.array(basketResultSchema),
})

export const singleResponseSchema = z.object({
  id: z.string(),
  storeId: z.string(),
  status: z.literal('accepted'),
  lines: z.number().int(),
  redemption: redemptionResult.optional(),
})
