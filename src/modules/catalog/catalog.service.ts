import type { Ctx } from '../../context.ts'
import { notFound } from '../../errors.ts'
import { findProduct, listProducts, type ProductRow, upsertProducts } from './catalog.repository.ts'
import type { ListProductsQuery, ProductDto, ProductInput, ProductPage, UpsertCounts } from './catalog.schemas.ts'

/**
 * Bulk upsert (SKUs unique in `products`). A single statement, so it is atomic on its own and
 * also joins the caller's transaction when ctx.db is one (the strict CSV import).
 */
export async function putProducts(ctx: Ctx, products: readonly ProductInput[]): Promise<UpsertCounts> {
  const { created, updated } = await upsertProducts(ctx.db, products, ctx.now())
  const counts = { created, updated, unchanged: products.length - created - updated }
  ctx.log.debug({ received: products.length, ...counts }, 'upserted products')
  return counts
}

export async function getProduct(ctx: Ctx, sku: string): Promise<ProductDto> {
  const row = await findProduct(ctx.db, sku)
  if (!row) throw notFound(`no product with sku ${sku}`)
  return toDto(row)
}

export async function listProductPage(ctx: Ctx, q: ListProductsQuery): Promise<ProductPage> {
  const rows = await listProducts(ctx.db, q)
  const last = rows.at(-1)
  return { items: rows.map(toDto), next: rows.length === q.limit && last ? last.sku : null }
}

function toDto(r: ProductRow): ProductDto {
  return {
    sku: r.sku,
    name: r.name,
    brand: r.brand,
    brandType: r.brand_type,
    category: r.category,
    subcategory: r.subcategory,
    size: r.size,
    priceCents: r.price_cents,
    active: r.active,
    placeholder: r.placeholder,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  }
}
