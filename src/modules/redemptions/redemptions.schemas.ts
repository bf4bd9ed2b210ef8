import { z } from 'zod'
import { REASONS } from './redemption-rules.ts'

const id = (max: number) => z.string().trim().min(1).max(max)

/** What a scanner returns: printable ASCII, plus GS (FNC1) inside GS1 element strings. */
const scanned = z.string().min(1).max(128).regex(/^[\x1d\x20-\x7e]+$/, 'printable ASCII only')

export const MAX_ITEMS = 1000
export const MAX_CODES = 100

export const redemptionItem = z.object({
  sku: id(64),
  quantity: z.number().finite().positive().max(1e6),
  unitPriceCents: z.number().int().min(0).max(100_000_000),
})

export const quoteBody = z.object({
  storeId: id(64),
  lane: z.union([z.string().max(32), z.number().int().nonnegative()]).transform(String),
  cardNumber: id(64).nullish(),
  items: z.array(redemptionItem).max(MAX_ITEMS),
  codes: z.array(scanned).max(MAX_CODES).default([]),
})
export type QuoteInput = z.infer<typeof quoteBody>

export const commitBody = quoteBody.extend({
  transactionId: id(128),
  /** A lane replaying codes it accepted while offline: refusals become exceptions for review. */
  offline: z.boolean().default(false),
  /** When the lane accepted them (offline replays): validity is judged on that day. */
  occurredAt: z.iso.datetime({ offset: true, message: 'must be ISO 8601 with an offset' }).optional(),
})
export type CommitInput = z.infer<typeof commitBody>

export const redemptionResult = z.object({
  redeemed: z.array(z.object({ code: z.string(), offerId: z.string(), sku: z.string(), discountCents: z.number().int() })),
  rejected: z.array(z.object({ code: z.string(), reason: z.enum(REASONS) })),
  totalDiscountCents: z.number().int(),
})
export type RedemptionResult = z.infer<typeof redemptionResult>

export const voidBody = z.object({
  storeId: id(64),
  transactionId: id(128),
  /** Only these items (a return at the service desk); absent: the whole transaction is voided. */
  skus: z.array(id(64)).min(1).max(MAX_ITEMS).optional(),
})
export type VoidInput = z.infer<typeof voidBody>

export const voidResult = z.object({
  storeId: z.string(),
  transactionId: z.string(),
  voided: z.array(
    z.object({
      code: z.string(),
      offerId: z.string(),
      sku: z.string(),
      discountCents: z.number().int(),
      reason: z.enum(['void', 'return']),
      /** The instance can be redeemed again (still valid and not taken since). */
      restored: z.boolean(),
    }),
  ),
})
export type VoidResult = z.infer<typeof voidResult>

export const codeParams = z.object({ code: z.string().min(1).max(128) })

const instanceStatus = z.object({
  code: z.string(),
  offerId: z.string(),
  sku: z.string(),
  validFrom: z.string(),
  expiresOn: z.string(),
  status: z.enum(['available', 'redeemed', 'expired', 'not_yet_valid']),
  redeemedAt: z.string().nullable(),
})
export type InstanceStatus = z.infer<typeof instanceStatus>

export const codeStatus = z.discriminatedUnion('kind', [
  instanceStatus.extend({ kind: z.literal('offer') }),
  z.object({ kind: z.literal('list'), code: z.string(), cycleStart: z.string(), offers: z.array(instanceStatus) }),
])
export type CodeStatus = z.infer<typeof codeStatus>

const day = z.iso.date()

export const summaryQuery = z.object({ from: day, to: day }).refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] })

export const summaryResult = z.object({
  from: z.string(),
  to: z.string(),
  offers: z.array(
    z.object({
      offerId: z.string(),
      redeemedCount: z.number().int(),
      redeemedCents: z.number().int(),
      voidedCount: z.number().int(),
      voidedCents: z.number().int(),
    }),
  ),
  exceptions: z.object({ open: z.number().int(), total: z.number().int() }),
})
export type SummaryResult = z.infer<typeof summaryResult>

export const exceptionsQuery = z.object({
  open: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

export const redemptionException = z.object({
  id: z.number().int(),
  kind: z.string(),
  code: z.string(),
  offerId: z.string().nullable(),
  storeId: z.string(),
  transactionId: z.string(),
  lane: z.string().nullable(),
  occurredAt: z.string(),
  otherStoreId: z.string().nullable(),
  otherTransactionId: z.string().nullable(),
  createdAt: z.string(),
  reviewedAt: z.string().nullable(),
  note: z.string().nullable(),
})
export type RedemptionException = z.infer<typeof redemptionException>

export const exceptionsResult = z.object({ exceptions: z.array(redemptionException) })
export type ExceptionsResult = z.infer<typeof exceptionsResult>

export const exceptionParams = z.object({ id: z.coerce.number().int().positive() })
/** Optional: a review without a note may send no body at all. */
export const reviewBody = z.object({ note: z.string().trim().min(1).max(2000).optional() }).strict().nullish()
