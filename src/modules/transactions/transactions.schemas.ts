import { z } from 'zod'
import { redemptionResult } from '../redemptions/redemptions.schemas.ts'

export const MAX_BATCH = 500
export const MAX_ITEMS = 1000

const code = z.string().min(1).max(128).regex(/^[\x20-\x7e]+$/, 'printable ASCII only')

/** Three decimals at most (numeric(12,3)): a weighed item is 1.234 lb, not 1.23456. */
const quantity = z
  .number()
  .finite()
  .refine((q) => q !== 0, 'must not be 0 (a return is a negative quantity)')
  .refine((q) => Math.abs(q) < 1e9, 'too large')
  .refine((q) => Math.abs(Math.round(q * 1000) - q * 1000) < 1e-6, 'at most 3 decimals')

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
