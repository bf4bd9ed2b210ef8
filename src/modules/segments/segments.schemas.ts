import { z } from 'zod'
import { BRAND_LOYALTIES, TIERS, USAGES } from './segments.model.ts'

export const profileParams = z.object({ cardNumber: z.string().trim().min(1).max(64) })

/** A real calendar date: Date.parse would roll 2026-02-30 over to March, so round-trip it. */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((v) => {
    const ms = Date.parse(`${v}T00:00:00Z`)
    return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === v
  }, 'must be a real calendar date')

export const profileQuery = z.object({
  /** Profile as of the start (00:00 UTC) of this day; default: now. */
  asOf: isoDate.optional(),
})

const score = z.number().int().min(1).max(5)

export const profileDto = z.object({
  cardNumber: z.string(),
  /** The chain's household id, as in GET /v1/households/:householdId. */
  householdId: z.string(),
  asOf: z.string(),
  optedIn: z.boolean(),
  qualified: z.boolean(),
  weeklySpendCents: z.number().int(),
  rfm: z
    .object({
      r: score,
      f: score,
      m: score,
      code: z.string(),
      recencyDays: z.number().int(),
      frequency: z.number().int(),
      monetaryCents: z.number().int(),
    })
    .nullable(),
  tier: z.enum(TIERS).nullable(),
  segments: z.array(
    z.object({
      category: z.string(),
      brandLoyalty: z.enum(BRAND_LOYALTIES),
      usage: z.enum(USAGES),
      units: z.number(),
      nationalShare: z.number(),
    }),
  ),
  attributes: z.object({
    petOwner: z.boolean(),
    baby: z.boolean(),
    produceHeavy: z.boolean(),
    evidence: z.object({
      trips: z.number().int(),
      petTrips: z.number().int(),
      babyTrips: z.number().int(),
      produceShare: z.number(),
    }),
  }),
  predictions: z.array(
    z.object({
      sku: z.string(),
      name: z.string(),
      probability: z.number(),
      expectedDate: z.string(),
      cycleDays: z.number(),
      lastPurchased: z.string(),
      reason: z.string(),
    }),
  ),
})
export type ProfileDto = z.infer<typeof profileDto>
