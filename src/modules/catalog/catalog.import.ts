import type { Ctx } from '../../context.ts'
import { type ChunkedImport, type Parsed, runChunkedImport } from '../imports/chunked-import.ts'
import type { ImportOptions, ImportSummary } from '../imports/import-report.ts'
import { type ProductInput, productInput } from './catalog.schemas.ts'
import { putProducts } from './catalog.service.ts'

export const PRODUCTS_HEADER = ['sku', 'name', 'brand', 'brand_type', 'category', 'subcategory', 'size', 'price'] as const

const COLUMN: Record<string, string> = { brandType: 'brand_type', priceCents: 'price' }
const INT4_MAX = 2_147_483_647

/**
 * Parses a price in currency units ('3.49', '3', '.5', '') into integer cents, by string
 * arithmetic, never float multiplication. Empty is null; a fraction of a cent is refused.
 */
export function parsePriceCents(text: string): number | null | { reason: string } {
  const s = text.trim()
  if (s === '') return null
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s)
  if (!m || (m[1] === '' && !m[2])) return { reason: `price: "${s}" is not an amount like 3.49` }
  const whole = m[1] || '0'
  const frac = m[2] ?? ''
  if (/[^0]/.test(frac.slice(2))) return { reason: `price: "${s}" has a fraction of a cent` }
  const cents = whole.length > 10 ? Infinity : Number(whole) * 100 + Number(frac.slice(0, 2).padEnd(2, '0'))
  return cents > INT4_MAX ? { reason: `price: "${s}" is too large` } : cents
}

function parseProductRow(values: readonly string[]): ProductInput | { reason: string } {
  const [sku, name, brand, brandType, category, subcategory, size, price] = values.map((v) => v.trim())
  const priceCents = parsePriceCents(price ?? '')
  if (typeof priceCents === 'object' && priceCents !== null) return priceCents
  if (brandType && brandType !== 'national' && brandType !== 'store') {
    return { reason: `brand_type: "${brandType}" must be national, store or empty` }
  }
  // The CSV has no `active` column: a product listed in the file is active.
  const r = productInput.safeParse({ sku, name, brand, brandType: brandType || null, category, subcategory, size, priceCents, active: true })
  if (r.success) return r.data
  const issue = r.error.issues[0]!
  const key = String(issue.path[0] ?? '')
  return { reason: `${COLUMN[key] ?? key}: ${issue.message}` }
}

/** Last row wins within a chunk (a SKU may appear twice in a file); the rows it replaced count as duplicates. */
async function flushProducts(ctx: Ctx, rows: readonly Parsed<ProductInput>[]) {
  const bySku = new Map<string, ProductInput>()
  for (const { row } of rows) bySku.set(row.sku, row)
  const counts = await putProducts(ctx, [...bySku.values()])
  const imported = counts.created + counts.updated
  return { imported, duplicates: rows.length - imported }
}

const spec: ChunkedImport<ProductInput> = { kind: 'products', header: PRODUCTS_HEADER, parse: parseProductRow, flush: flushProducts }

/** `pantry import products FILE`: the same upsert as PUT /v1/products, 2,000 rows per statement. */
export async function importProductsFile(ctx: Ctx, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  return runChunkedImport(ctx, file, opts, spec)
}
