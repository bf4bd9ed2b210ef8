import { z } from 'zod'

export const MAX_PRODUCTS_PER_PUT = 5_000
const INT4_MAX = 2_147_483_647

/** Optional free text: trimmed, and empty or missing becomes null (the column is cleared). */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullish()
    .transform((v) => (v ? v : null))

export const productInput = z.object({
  sku: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(500),
  brand: optionalText(200),
  brandType: z.enum(['national', 'store']).nullish().transform((v) => v ?? null),
  category: optionalText(200),
  subcategory: optionalText(200),
  size: optionalText(100),
  priceCents: z.number().int().min(0).max(INT4_MAX).nullish().transform((v) => v ?? null),
  active: z.boolean().default(true),
})

/** A product as stored by an upsert: every attribute present (a PUT replaces the whole product). */
export type ProductInput = z.output<typeof productInput>

const productList = z
  .array(productInput)
  .max(MAX_PRODUCTS_PER_PUT)
  .superRefine((items, ctx) => {
    // One upsert statement cannot touch the same row twice, and a repeated SKU is a client bug.
    const seen = new Map<string, number>()
    items.forEach((p, i) => {
      const first = seen.get(p.sku)
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'sku'], message: `duplicate of products[${first}].sku` })
      else seen.set(p.sku, i)
    })
  })

/** `{ "products": [...] }`, or a bare array (wrapped first, so error paths read `products[3].name`). */
export const putProductsBody = z.preprocess((v) => (Array.isArray(v) ? { products: v } : v), z.object({ products: productList }))

export const upsertCounts = z.object({ created: z.number(), updated: z.number(), unchanged: z.number() })
export type UpsertCounts = z.infer<typeof upsertCounts>

export const productDto = z.object({
  sku: z.string(),
  name: z.string(),
  brand: z.string().nullable(),
  brandType: z.enum(['national', 'store']).nullable(),
  category: z.string().nullable(),
  subcategory: z.string().nullable(),
  size: z.string().nullable(),
  priceCents: z.number().nullable(),
  active: z.boolean(),
  placeholder: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type ProductDto = z.infer<typeof productDto>

export const skuParams = z.object({ sku: z.string().min(1).max(64) })

export const listProductsQuery = z.object({
  placeholder: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  /** Keyset cursor: the last SKU of the previous page. */
  after: z.string().min(1).max(64).optional(),
})
export type ListProductsQuery = z.output<typeof listProductsQuery>

export const productPage = z.object({ items: z.array(productDto), next: z.string().nullable() })
export type ProductPage = z.infer<typeof productPage>
