import { parsePriceCents } from '../catalog/catalog.import.ts'
import { BRAND_LOYALTIES, type CellTarget, USAGES } from './offers.schemas.ts'

// The compact column syntaxes of the offers CSV (docs/offers.md). Each parser returns the value,
// or `{ reason }` naming the column, so a bad row is reported by line and column.

export type Parsed<T> = T | { readonly reason: string }

export function isReason<T>(v: Parsed<T>): v is { readonly reason: string } {
  return typeof v === 'object' && v !== null && 'reason' in v && Object.keys(v).length === 1
}

const split = (text: string, sep: string) =>
  text
    .split(sep)
    .map((s) => s.trim())
    .filter((s) => s !== '')

/** `A|B|C` → ['A', 'B', 'C'] (empty → []). */
export const list = (text: string): string[] => split(text, '|')

/** Money in currency units ('1.50') → cents; empty → null. */
export function money(column: string, text: string): Parsed<number | null> {
  const r = parsePriceCents(text)
  if (r !== null && typeof r === 'object') return { reason: r.reason.replace(/^price:/, `${column}:`) }
  return r
}

/** A whole number ≥ `min`; empty → `empty`. */
export function whole(column: string, text: string, empty: number | null, min = 0): Parsed<number | null> {
  const s = text.trim()
  if (s === '') return empty
  if (!/^\d{1,9}$/.test(s) || Number(s) < min) return { reason: `${column}: "${s}" is not a whole number ≥ ${min}` }
  return Number(s)
}

/** A share 0..1 as a fraction ('0.6') or a percentage ('60%'); empty → 1 (the funder pays it all). */
export function share(column: string, text: string): Parsed<number> {
  const s = text.trim()
  if (s === '') return 1
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(s)
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN
  if (!(v >= 0 && v <= 1)) return { reason: `${column}: "${s}" is not a share like 0.6 or 60%` }
  return Math.round(v * 10_000) / 10_000
}

const LOYALTY = new Set<string>(BRAND_LOYALTIES)
const USAGE = new Set<string>(USAGES)

/**
 * `SUBCATEGORY:loyalty:usage|…`, loyalty and usage `*` for any. Subcategory names may contain colons
 * ('BREAD:ITALIAN/FRENCH'), so a cell is split at its last two colons.
 */
export function cells(column: string, text: string): Parsed<CellTarget[]> {
  const out: CellTarget[] = []
  for (const cell of list(text)) {
    const parts = cell.split(':')
    if (parts.length < 3) return { reason: `${column}: "${cell}" is not SUBCATEGORY:loyalty:usage` }
    const usage = parts.pop()!.trim()
    const loyalty = parts.pop()!.trim()
    const subcategory = parts.join(':').trim()
    if (subcategory === '') return { reason: `${column}: "${cell}" has no subcategory` }
    if (loyalty !== '*' && !LOYALTY.has(loyalty)) return { reason: `${column}: "${loyalty}" is not one of ${BRAND_LOYALTIES.join(', ')}, *` }
    if (usage !== '*' && !USAGE.has(usage)) return { reason: `${column}: "${usage}" is not one of ${USAGES.join(', ')}, *` }
    out.push({
      subcategory,
      ...(loyalty === '*' ? {} : { brandLoyalty: loyalty as CellTarget['brandLoyalty'] }),
      ...(usage === '*' ? {} : { usage: usage as CellTarget['usage'] }),
    })
  }
  return out
}

/** `name=value/value|name=value` → every attribute must take one of its values. */
export function attributes(column: string, text: string): Parsed<{ name: string; values: string[] }[]> {
  const out: { name: string; values: string[] }[] = []
  for (const part of list(text)) {
    const eq = part.indexOf('=')
    const name = eq > 0 ? part.slice(0, eq).trim() : ''
    const values = eq > 0 ? split(part.slice(eq + 1), '/') : []
    if (name === '' || values.length === 0) return { reason: `${column}: "${part}" is not name=value or name=value/value` }
    out.push({ name, values })
  }
  return out
}

/** `low=1|medium=1.25|high=1.5` (levels left out stay 1); empty → null (no scaling). */
export function multipliers(column: string, text: string): Parsed<Record<string, number> | null> {
  const parts = list(text)
  if (parts.length === 0) return null
  const out: Record<string, number> = {}
  for (const part of parts) {
    const m = /^(low|medium|high)\s*=\s*(\d+(?:\.\d+)?)$/.exec(part)
    if (!m) return { reason: `${column}: "${part}" is not low=N, medium=N or high=N` }
    out[m[1]!] = Number(m[2])
  }
  return out
}

const BOOL = new Map(Object.entries({ true: true, false: false, '1': true, '0': false, yes: true, no: false, y: true, n: false }))

/** yes/no, true/false, 1/0, y/n; empty → `empty`. */
export function bool(column: string, text: string, empty: boolean): Parsed<boolean> {
  const s = text.trim().toLowerCase()
  if (s === '') return empty
  const v = BOOL.get(s)
  return v === undefined ? { reason: `${column}: "${text.trim()}" is not one of yes, no, true, false, 1, 0` } : v
}
