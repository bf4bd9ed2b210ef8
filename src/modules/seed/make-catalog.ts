// Builds src/modules/seed/data/catalog.csv.gz, the seed catalog shipped in the repository, from the
// Complete Journey products and transaction sample (CC0; see ../shared/datasets/completejourney).
//
//   node --import tsx src/modules/seed/make-catalog.ts [--source DIR] [--out FILE]
//
// Deterministic: the same inputs give the same file. Columns: sku (= product_id), name, brand,
// brand_type (national | store), category (= department), subcategory (= product_category),
// product_type, size, price (median shelf price), popularity (lines in the 5 % sample).

import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync, gzipSync } from 'node:zlib'
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { STORE_BRAND, nationalBrand, normaliseSize, typeName, varieties } from './catalog-names.ts'
import { STAPLE_SLOTS } from './staples.ts'

const HERE = dirname(fileURLToPath(import.meta.url))
const TARGET_SIZE = 3000
/** Per staple type and brand type, so that store-brand and national pairs exist for every habit. */
const PER_STAPLE_TYPE = 6
/** The most popular products of every subcategory, so that small departments are represented. */
const PER_CATEGORY = 3

const DEPARTMENTS = new Set(['GROCERY', 'PRODUCE', 'MEAT', 'MEAT-PCKGD', 'DELI', 'PASTRY', 'SEAFOOD', 'SEAFOOD-PCKGD', 'NUTRITION', 'DRUG GM', 'FLORAL'])
// Not groceries, not offer material (tobacco), or not a product (tickets, coupons, photo services).
const EXCLUDED_CATEGORIES = new Set([
  'COUPON/MISC ITEMS', 'MAGAZINE', 'NEWSPAPER', 'BOOKSTORE', 'GREETING CARDS/WRAP/PARTY SPLY', 'CIGARETTES', 'CIGARS',
  'TOBACCO OTHER', 'SMOKING CESSATIONS', 'TICKETS', 'LONG DISTANCE CALLING CARDS', 'PREPAID WIRELESS&ACCESSORIES',
  'IN-STORE PHOTOFINISHING', 'OVERNIGHT PHOTOFINISHING', 'FILM AND CAMERA PRODUCTS', 'PHARMACY', 'CHRISTMAS  SEASONAL',
  'HALLOWEEN', 'EASTER', 'VALENTINE', 'SPRING/SUMMER SEASONAL', 'FALL AND WINTER SEASONAL', 'FIREWORKS',
  'SPORTS MEMORABLILIA', 'CONTINUITIES', 'DOLLAR VALUE PRODUCTS', 'AUDIO/VIDEO PRODUCTS', 'TOYS AND GAMES', 'J-HOOKS',
  'FAMILY PLANNING', 'HOME FURNISHINGS',
])

interface Source {
  product_id: string
  manufacturer_id: string
  department: string
  brand: string
  product_category: string
  product_type: string
  package_size: string
}

interface Entry {
  src: Source
  popularity: number
  priceCents: number
}

function readCsv<T>(file: string): T[] {
  return parse(gunzipSync(readFileSync(file)), { columns: true, skip_empty_lines: true }) as T[]
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b)
  const m = v.length >> 1
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2
}

/** Shelf prices end in 9 cents, as most grocery prices do. */
function shelfCents(price: number): number {
  return Math.max(19, Math.round((Math.round(price * 100) + 1) / 10) * 10 - 1)
}

/** Line counts and shelf prices ((sales_value + retail_disc) / quantity) per product, type and department. */
function samplePrices(dir: string, products: Map<string, Source>) {
  const count = new Map<string, number>()
  const byProduct = new Map<string, number[]>()
  const byType = new Map<string, number[]>()
  const byDept = new Map<string, number[]>()
  const push = (m: Map<string, number[]>, k: string, v: number) => (m.get(k) ?? m.set(k, []).get(k)!).push(v)
  for (const t of readCsv<Record<string, string>>(join(dir, 'transactions_sample.csv.gz'))) {
    const p = products.get(t.product_id!)
    const q = Number(t.quantity)
    const shelf = (Number(t.sales_value) + Number(t.retail_disc)) / q
    if (!p || !(q > 0) || !(shelf > 0)) continue
    count.set(p.product_id, (count.get(p.product_id) ?? 0) + 1)
    push(byProduct, p.product_id, shelf)
    push(byType, `${p.product_category}|${p.product_type}`, shelf)
    push(byDept, p.department, shelf)
  }
  const medians = (m: Map<string, number[]>) => new Map([...m].map(([k, v]) => [k, shelfCents(median(v))]))
  const [product, type, dept] = [medians(byProduct), medians(byType), medians(byDept)]
  const priceOf = (p: Source): number =>
    product.get(p.product_id) ?? type.get(`${p.product_category}|${p.product_type}`) ?? dept.get(p.department) ?? 299
  return { count, priceOf }
}

const byPopularity = (a: Entry, b: Entry) => b.popularity - a.popularity || Number(a.src.product_id) - Number(b.src.product_id)

/**
 * Products in priority order: staple pairs (national and store brand of every habit) first, then
 * the head of every subcategory, then the most popular of the rest.
 */
function prioritise(entries: Entry[]): Entry[] {
  const first: Entry[] = []
  const rest: Entry[] = []
  const staple = new Set(STAPLE_SLOTS.flatMap((s) => s.types))
  const groups = new Map<string, number>()
  for (const e of [...entries].sort(byPopularity)) {
    const type = `${e.src.product_category}|${e.src.product_type}`
    const isStaple = staple.has(type)
    const key = isStaple ? `s:${type}|${e.src.brand}` : `c:${e.src.product_category}`
    const n = groups.get(key) ?? 0
    if (n < (isStaple ? PER_STAPLE_TYPE : PER_CATEGORY) && (isStaple || e.popularity > 0)) {
      groups.set(key, n + 1)
      first.push(e)
    } else if (e.popularity > 0) rest.push(e)
  }
  return [...first, ...rest]
}

/** Names products in priority order until TARGET_SIZE; a near-duplicate (name already taken) is skipped. */
function nameAll(ordered: Entry[]): string[][] {
  const used = new Set<string>()
  const nextVariety = new Map<string, number>()
  const rows: string[][] = []
  for (const e of ordered) {
    if (rows.length >= TARGET_SIZE) break
    const p = e.src
    const store = p.brand === 'Private'
    const brand = store ? STORE_BRAND : nationalBrand(p.manufacturer_id, p.department)
    const kind = typeName(p.product_category, p.product_type)
    const size = normaliseSize(p.package_size, p.department)
    const base = `${brand}|${kind}|${size}`
    const vars = varieties(p.product_type)
    const i = nextVariety.get(base) ?? 0
    nextVariety.set(base, i + 1)
    if (vars.length > 0 && i >= vars.length) continue
    const name = [brand, vars[i], kind, size].filter(Boolean).join(' ')
    if (used.has(name)) continue
    used.add(name)
    rows.push([p.product_id, name, brand, store ? 'store' : 'national', p.department, p.product_category, p.product_type, size, (e.priceCents / 100).toFixed(2), String(e.popularity)])
  }
  return rows.sort((a, b) => Number(a[0]) - Number(b[0]))
}

function main(): void {
  const args = process.argv.slice(2)
  const opt = (name: string, fallback: string) => {
    const i = args.indexOf(name)
    return i >= 0 && args[i + 1] ? args[i + 1]! : fallback
  }
  const dir = opt('--source', join(HERE, '../../../../shared/datasets/completejourney'))
  const out = opt('--out', join(HERE, 'data/catalog.csv.gz'))
  const products = new Map(readCsv<Source>(join(dir, 'products.csv.gz')).map((p) => [p.product_id, p]))
  const { count, priceOf } = samplePrices(dir, products)
  const entries: Entry[] = []
  for (const p of products.values()) {
    if (!DEPARTMENTS.has(p.department) || !p.product_category || !p.product_type || EXCLUDED_CATEGORIES.has(p.product_category)) continue
    entries.push({ src: p, popularity: count.get(p.product_id) ?? 0, priceCents: priceOf(p) })
  }
  const rows = nameAll(prioritise(entries))
  const header = ['sku', 'name', 'brand', 'brand_type', 'category', 'subcategory', 'product_type', 'size', 'price', 'popularity']
  // mtime 0 in the gzip header keeps the file byte-identical between runs
  writeFileSync(out, gzipSync(stringify([header, ...rows]), { level: 9 }))
  process.stderr.write(`wrote ${rows.length} products to ${out}\n`)
}

main()
