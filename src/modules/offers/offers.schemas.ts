import { z } from 'zod'
import { optionalText } from '../catalog/catalog.schemas.ts'

export const MAX_OFFERS_PER_PUT = 2_000
const INT4_MAX = 2_147_483_647
// bigint columns parsed to JS numbers: stay well inside 2^53
const CENTS_MAX = 1e15

export const BRAND_LOYALTIES = ['national-loyal', 'store-loyal', 'swing'] as const
export const USAGES = ['low', 'medium', 'high'] as const
export type BrandLoyalty = (typeof BRAND_LOYALTIES)[number]
export type Usage = (typeof USAGES)[number]

const id = z.string().trim().min(1).max(64)
const nullable = <T extends z.ZodType>(t: T) => t.nullish().transform((v) => v ?? null)

/** YYYY-MM-DD that names a real day (2026-02-30 is refused). */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`)
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s)
  }, 'must be a real date')

/** A segment cell: the household's brand loyalty and usage in one subcategory; omitted parts match any. */
export const cellTarget = z
  .object({
    subcategory: z.string().trim().min(1).max(200),
    brandLoyalty: z.enum(BRAND_LOYALTIES).optional(),
    usage: z.enum(USAGES).optional(),
  })
  .strict()

export const attributeTarget = z
  .object({ name: z.string().trim().min(1).max(64), values: z.array(z.string().trim().min(1).max(200)).min(1).max(100) })
  .strict()

/**
 * Who may receive an offer. Each list given must be met (AND between lists): the household has one
 * of the `cells`, one of the `tiers`, and every attribute takes one of its `values`. Empty = anyone.
 */
export const targeting = z
  .object({
    cells: z.array(cellTarget).max(500).optional(),
    tiers: z.array(z.string().trim().min(1).max(64)).max(50).optional(),
    attributes: z.array(attributeTarget).max(20).optional(),
  })
  .strict()
export type Targeting = z.output<typeof targeting>
export type CellTarget = z.output<typeof cellTarget>

export const rewardInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('amount_off'), amountCents: z.number().int().min(1).max(INT4_MAX) }).strict(),
  z.object({ kind: z.literal('percent_off'), percent: z.number().int().min(1).max(100) }).strict(),
  z.object({ kind: z.literal('fixed_price'), priceCents: z.number().int().min(0).max(INT4_MAX) }).strict(),
])
export type Reward = z.output<typeof rewardInput>

/** What the offer applies to: every part given must match (SKU in `skus`, brand, category, subcategory). */
export const targetInput = z
  .object({
    skus: z.array(id).max(1_000).default([]),
    brand: optionalText(200),
    category: optionalText(200),
    subcategory: optionalText(200),
  })
  .strict()
  .refine((t) => t.skus.length > 0 || t.brand || t.category || t.subcategory, 'name at least one of skus, brand, category, subcategory')
export type OfferTarget = z.output<typeof targetInput>

const multiplier = z.number().min(0.1).max(5).default(1)
/** Reward multiplier by the household's usage of the subcategory (heavy users get more). */
export const usageMultipliers = z.object({ low: multiplier, medium: multiplier, high: multiplier }).strict()
export type UsageMultipliers = z.output<typeof usageMultipliers>

export const conversion = z.object({ fromBrandType: z.literal('national') }).strict()

/** The funder's part of the face value, 0..1 with at most 4 decimals (stored in basis points). */
const funderShare = z
  .number()
  .min(0)
  .max(1)
  .refine((v) => Math.abs(v * 10_000 - Math.round(v * 10_000)) < 1e-6, 'at most 4 decimals (basis points)')
  .default(1)

export const offerInput = z
  .object({
    id,
    funderId: id,
    title: z.string().trim().min(1).max(200),
    description: optionalText(2_000),
    target: targetInput,
    reward: rewardInput,
    minQuantity: z.number().int().min(1).max(99).default(1),
    validFrom: nullable(isoDate),
    validTo: nullable(isoDate),
    perHouseholdLimit: z.number().int().min(1).max(1_000).default(1),
    budgetCents: nullable(z.number().int().min(0).max(CENTS_MAX)),
    budgetCount: nullable(z.number().int().min(0).max(INT4_MAX)),
    funderShare,
    targeting: targeting.default({}),
    conversion: nullable(conversion),
    usageMultipliers: nullable(usageMultipliers),
    active: z.boolean().default(true),
    gs1OfferCode: nullable(z.string().regex(/^\d{6}$/, 'must be 6 digits')),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.validFrom && o.validTo && o.validFrom > o.validTo) ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'must not be before validFrom' })
    if (o.usageMultipliers && o.reward.kind === 'fixed_price') {
      ctx.addIssue({ code: 'custom', path: ['usageMultipliers'], message: 'a fixed_price reward cannot be scaled' })
    }
  })
export type OfferInput = z.output<typeof offerInput>

export const funderInput = z
  .object({
    id,
    type: z.enum(['store', 'manufacturer']),
    name: z.string().trim().min(1).max(200),
    gs1CompanyPrefix: nullable(z.string().regex(/^\d{6,12}$/, 'must be a GS1 company prefix of 6 to 12 digits')),
    capCents: nullable(z.number().int().min(0).max(CENTS_MAX)),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.type === 'manufacturer' && !f.gs1CompanyPrefix) {
      ctx.addIssue({ code: 'custom', path: ['gs1CompanyPrefix'], message: 'required for a manufacturer' })
    }
  })
export type FunderInput = z.output<typeof funderInput>

function uniqueBy<T>(key: (x: T) => string | null, field: string, list: string) {
  return (items: readonly T[], ctx: z.RefinementCtx) => {
    const seen = new Map<string, number>()
    items.forEach((x, i) => {
      const k = key(x)
      if (k === null) return
      const first = seen.get(k)
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, field], message: `duplicate of ${list}[${first}].${field}` })
      else seen.set(k, i)
    })
  }
}

const offerList = z
  .array(offerInput)
  .max(MAX_OFFERS_PER_PUT)
  .superRefine(uniqueBy((o) => o.id, 'id', 'offers'))
  // funder + offer code identify the offer in clearing
  .superRefine(uniqueBy((o) => (o.gs1OfferCode ? `${o.funderId}/${o.gs1OfferCode}` : null), 'gs1OfferCode', 'offers'))

/** `{ funders?: [...], offers: [...] }`, or a bare array of offers. */
export const putOffersBody = z.preprocess(
  (v) => (Array.isArray(v) ? { offers: v } : v),
  z.object({ funders: z.array(funderInput).max(1_000).superRefine(uniqueBy((f) => f.id, 'id', 'funders')).default([]), offers: offerList }).strict(),
)
export type PutOffersBody = z.output<typeof putOffersBody>

const counts = z.object({ created: z.number(), updated: z.number(), unchanged: z.number() })
export const offerCounts = counts.extend({ funders: counts })
export type OfferCounts = z.infer<typeof offerCounts>

export const offerParams = z.object({ id })

export const funderDto = z.object({
  id: z.string(),
  type: z.enum(['store', 'manufacturer']),
  name: z.string(),
  gs1CompanyPrefix: z.string().nullable(),
  capCents: z.number().nullable(),
})
export type FunderDto = z.infer<typeof funderDto>

export const budgetUseDto = z.object({
  issuedCents: z.number(),
  issuedCount: z.number(),
  redeemedCents: z.number(),
  redeemedCount: z.number(),
  /** Budget minus face value issued; null when the offer has no such budget. */
  remainingCents: z.number().nullable(),
  remainingCount: z.number().nullable(),
})

export const offerDto = z.object({
  id: z.string(),
  funder: funderDto,
  title: z.string(),
  description: z.string().nullable(),
  target: z.object({ skus: z.array(z.string()), brand: z.string().nullable(), category: z.string().nullable(), subcategory: z.string().nullable() }),
  reward: rewardInput,
  minQuantity: z.number(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
  perHouseholdLimit: z.number(),
  budgetCents: z.number().nullable(),
  budgetCount: z.number().nullable(),
  funderShare: z.number(),
  targeting,
  conversion: conversion.nullable(),
  usageMultipliers: usageMultipliers.nullable(),
  active: z.boolean(),
  gs1OfferCode: z.string().nullable(),
  budget: budgetUseDto,
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type OfferDto = z.infer<typeof offerDto>
