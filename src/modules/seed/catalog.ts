// The seed catalog (data/catalog.csv.gz, built by make-catalog.ts) and the indexes the generator
// draws from: products per staple type, and popularity tables for unplanned ("impulse") items.

import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { parse } from 'csv-parse/sync'
import { WeightedTable } from './prng.ts'
import { AUDIENCE_BY_CATEGORY, STAPLE_SLOTS, type SlotAudience } from './staples.ts'

const HABIT_TYPES = new Set(STAPLE_SLOTS.flatMap((slot) => slot.types))

export const CATALOG_FILE = join(dirname(fileURLToPath(import.meta.url)), 'data/catalog.csv.gz')

export interface Product {
  readonly index: number
  readonly sku: string
  readonly name: string
  readonly brand: string
  readonly brandType: 'national' | 'store'
  /** Complete Journey department. */
  readonly category: string
  /** Complete Journey product_category. */
  readonly subcategory: string
  /** 'product_category|product_type', the key staple slots use. */
  readonly typeKey: string
  readonly size: string
  readonly priceCents: number
  /** Lines in the Complete Journey 5 % sample: real relative popularity. */
  readonly popularity: number
  readonly audience: SlotAudience
  readonly produce: boolean
}

export interface Catalog {
  readonly products: readonly Product[]
  /** Catalog indexes per typeKey, most popular first. */
  readonly byType: ReadonlyMap<string, readonly number[]>
  /** Unplanned purchases: popularity^0.85 over the whole catalog (Zipf-like, from real counts). */
  readonly impulse: WeightedTable
  readonly produceImpulse: { readonly table: WeightedTable; readonly indexes: readonly number[] }
}

/** Popularity → draw weight. The exponent flattens the head a little so the tail still sells. */
export const popularityWeight = (p: Product): number => Math.pow(p.popularity + 1, 0.85)

let cached: Catalog | undefined

/** Loads and indexes the shipped catalog (once per process: it is immutable). */
export function loadCatalog(): Catalog {
  cached ??= buildCatalog(readFileSync(CATALOG_FILE))
  return cached
}

export function buildCatalog(gz: Buffer): Catalog {
  const rows = parse(gunzipSync(gz), { columns: true, skip_empty_lines: true }) as Record<string, string>[]
  const products = rows.map((r, index): Product => ({
    index,
    sku: r.sku!,
    name: r.name!,
    brand: r.brand!,
    brandType: r.brand_type === 'store' ? 'store' : 'national',
    category: r.category!,
    subcategory: r.subcategory!,
    typeKey: `${r.subcategory}|${r.product_type}`,
    size: r.size ?? '',
    priceCents: Math.round(Number(r.price) * 100),
    popularity: Number(r.popularity),
    audience: AUDIENCE_BY_CATEGORY[r.subcategory!] ?? 'all',
    produce: r.category === 'PRODUCE',
  }))
  const byType = new Map<string, number[]>()
  for (const p of products) (byType.get(p.typeKey) ?? byType.set(p.typeKey, []).get(p.typeKey)!).push(p.index)
  for (const list of byType.values()) list.sort((a, b) => products[b]!.popularity - products[a]!.popularity || a - b)
  // Products of a staple type are bought by habit (staples.ts), not on impulse: their real
  // popularity is mostly their habitual buyers' repurchases, which the habits already make.
  const impulseWeight = (p: Product) => (HABIT_TYPES.has(p.typeKey) ? 0 : popularityWeight(p))
  const produce = products.filter((p) => p.produce && !HABIT_TYPES.has(p.typeKey)).map((p) => p.index)
  return {
    products,
    byType,
    impulse: new WeightedTable(products.map(impulseWeight)),
    produceImpulse: { table: new WeightedTable(produce.map((i) => popularityWeight(products[i]!))), indexes: produce },
  }
}
