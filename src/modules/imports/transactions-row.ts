// Validation of one line item of a transactions file. Pure: no I/O. The limits are the POS API's
// (transactions.schemas.ts), so a basket is accepted or refused the same way by either path; and
// everything PostgreSQL would refuse is refused here, because one bad value would fail a whole COPY.
// The numeric fields are scanned character by character: this runs for every row of files with
// millions of them, and regular expressions plus slices cost several times more.

export const TRANSACTIONS_HEADER = [
  'transaction_id',
  'store_id',
  'lane',
  'card_number',
  'occurred_at',
  'sku',
  'quantity',
  'unit_price',
  'discount',
] as const

/**
 * A valid line item. Ids, SKU and card are trimmed, as the API trims them; empty lane and card are ''
 * (compared as is across a basket's rows).
 */
export interface TxnLine {
  readonly txnId: string
  readonly storeId: string
  readonly lane: string
  readonly card: string
  /** As written in the file (ISO 8601 with an offset). */
  readonly occurredAt: string
  /** The same instant in microseconds since 1970-01-01 UTC (exact below 2^53: years up to 2199). */
  readonly occurredAtMicros: number
  readonly sku: string
  /** numeric(12,3) as written in the file, exact: never through a float. */
  readonly quantity: string
  /** The quantity in thousandths: '2' → 2000, '-0.455' → -455. */
  readonly quantityMilli: number
  readonly unitPriceCents: number
  readonly discountCents: number
}

const MAX_CENTS = 100_000_000
const MAX_LEN = { transaction_id: 128, store_id: 64, lane: 32, card_number: 64, sku: 64 } as const

/** Parses the 9 fields of a data row into a line item, or returns why the row is refused. */
export function parseTxnLine(values: readonly string[]): TxnLine | string {
  if (values.length !== TRANSACTIONS_HEADER.length) return `expected ${TRANSACTIONS_HEADER.length} fields, found ${values.length}`
  // the fields one after the other in one string, so that the same code parses both forms
  const text = values.join(',')
  const at = [0]
  for (const v of values) at.push(at[at.length - 1]! + v.length + 1)
  const out = emptyFields()
  const refused = parseTxnFields(text, at, out)
  if (refused !== undefined) return refused
  return { ...out, occurredAt: values[4]!, quantity: values[6]! }
}

/** A row's values parsed by parseTxnFields: one object, filled again for every row (no garbage). */
export interface TxnFields {
  txnId: string
  storeId: string
  lane: string
  card: string
  sku: string
  occurredAtMicros: number
  quantityMilli: number
  unitPriceCents: number
  discountCents: number
}

export function emptyFields(): TxnFields {
  return { txnId: '', storeId: '', lane: '', card: '', sku: '', occurredAtMicros: 0, quantityMilli: 0, unitPriceCents: 0, discountCents: 0 }
}

/**
 * A row's values parsed by parseTxnRanges: the five text values as ranges of the row's string
 * (trimmed as the API trims them; the lane is not), the numbers as numbers. One object, filled
 * again for every row.
 */
export interface TxnRanges {
  txnFrom: number
  txnTo: number
  storeFrom: number
  storeTo: number
  laneFrom: number
  laneTo: number
  cardFrom: number
  cardTo: number
  skuFrom: number
  skuTo: number
  /** occurred_at's text, as it is (not trimmed), and its value (NaN when parseTxnRanges left it to the caller) */
  timeFrom: number
  timeTo: number
  occurredAtMicros: number
  quantityMilli: number
  unitPriceCents: number
  discountCents: number
}

export function emptyRanges(): TxnRanges {
  return {
    txnFrom: 0, txnTo: 0, storeFrom: 0, storeTo: 0, laneFrom: 0, laneTo: 0, cardFrom: 0, cardTo: 0, skuFrom: 0, skuTo: 0, timeFrom: 0, timeTo: 0,
    // NaN, a double: see the Basket objects in transactions-bucket.ts
    occurredAtMicros: Number.NaN, quantityMilli: 0, unitPriceCents: 0, discountCents: 0,
  }
}

/**
 * The 9 fields of a row, each a range of `s`: field k runs from at[k] to at[k + 1] - 1 (a comma or,
 * for the last one, the end of the row). Fills `out` and returns undefined, or returns why the row
 * is refused. Only the five text values become strings (parseTxnRanges makes none).
 * `mayHaveNul` false: the caller knows that `s` holds no NUL character (saves a scan per value).
 */
export function parseTxnFields(s: string, at: ArrayLike<number>, out: TxnFields, mayHaveNul = true): string | undefined {
  const r = scratch
  const refused = parseTxnRanges(s, at, r, mayHaveNul)
  if (refused !== undefined) return refused
  out.txnId = s.slice(r.txnFrom, r.txnTo)
  out.storeId = s.slice(r.storeFrom, r.storeTo)
  out.lane = s.slice(r.laneFrom, r.laneTo)
  out.card = s.slice(r.cardFrom, r.cardTo)
  out.sku = s.slice(r.skuFrom, r.skuTo)
  out.occurredAtMicros = r.occurredAtMicros
  out.quantityMilli = r.quantityMilli
  out.unitPriceCents = r.unitPriceCents
  out.discountCents = r.discountCents
  return undefined
}

const scratch = emptyRanges()

/**
 * parseTxnFields without a string: the text values as ranges of `s`. The assembly of a bucket
 * looks its SKUs and baskets up by these ranges (transactions-bucket.ts), so that a row makes no
 * string unless its SKU or basket is new: the slices were most of what garbage collection collected.
 * `withTime` false: occurred_at is not parsed (its range is given; the caller parses it, with
 * parseTimestampMicros, only when it differs from the basket's first row's, and runs this again
 * with the time to report the first bad field of a refused row in the usual order).
 */
export function parseTxnRanges(s: string, at: ArrayLike<number>, out: TxnRanges, mayHaveNul = true, withTime = true): string | undefined {
  const txnFrom = trimStart(s, at[0]!, at[1]! - 1)
  const txnTo = trimEnd(s, txnFrom, at[1]! - 1)
  const storeFrom = trimStart(s, at[1]!, at[2]! - 1)
  const storeTo = trimEnd(s, storeFrom, at[2]! - 1)
  const cardFrom = trimStart(s, at[3]!, at[4]! - 1)
  const cardTo = trimEnd(s, cardFrom, at[4]! - 1)
  const skuFrom = trimStart(s, at[5]!, at[6]! - 1)
  const skuTo = trimEnd(s, skuFrom, at[6]! - 1)
  const text =
    checkText('transaction_id', s, txnFrom, txnTo, true, mayHaveNul) ??
    checkText('store_id', s, storeFrom, storeTo, true, mayHaveNul) ??
    checkText('sku', s, skuFrom, skuTo, true, mayHaveNul) ??
    checkText('lane', s, at[2]!, at[3]! - 1, false, mayHaveNul) ??
    checkText('card_number', s, cardFrom, cardTo, false, mayHaveNul)
  if (text) return text
  const occurredAtMicros = withTime ? parseTimestampMicros(s, at[4]!, at[5]! - 1) : Number.NaN
  if (typeof occurredAtMicros === 'string') return occurredAtMicros
  const quantityMilli = parseQuantityMilli(s, at[6]!, at[7]! - 1)
  if (typeof quantityMilli === 'string') return quantityMilli
  const unitPriceCents = parseCentsAt('unit_price', s, at[7]!, at[8]! - 1, false)
  if (typeof unitPriceCents === 'string') return unitPriceCents
  const discountCents = parseCentsAt('discount', s, at[8]!, at[9]! - 1, true)
  if (typeof discountCents === 'string') return discountCents
  out.txnFrom = txnFrom
  out.txnTo = txnTo
  out.storeFrom = storeFrom
  out.storeTo = storeTo
  out.laneFrom = at[2]!
  out.laneTo = at[3]! - 1
  out.cardFrom = cardFrom
  out.cardTo = cardTo
  out.skuFrom = skuFrom
  out.skuTo = skuTo
  out.timeFrom = at[4]!
  out.timeTo = at[5]! - 1
  out.occurredAtMicros = occurredAtMicros
  out.quantityMilli = quantityMilli
  out.unitPriceCents = unitPriceCents
  out.discountCents = discountCents
  return undefined
}

/** Whether String.prototype.trim removes this UTF-16 unit (ECMAScript's WhiteSpace and LineTerminator). */
function isTrimmed(c: number): boolean {
  if (c > 32 && c < 160) return false
  return (
    c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  )
}

/** Start of s.slice(from, to).trim() in `s`. */
function trimStart(s: string, from: number, to: number): number {
  while (from < to && isTrimmed(s.charCodeAt(from))) from++
  return from
}

/** End of s.slice(from, to).trim() in `s`, `from` already past the leading white space. */
function trimEnd(s: string, from: number, to: number): number {
  while (to > from && isTrimmed(s.charCodeAt(to - 1))) to--
  return to
}

/** A value quoted in a reason, cut short: a broken file can have a megabyte in one field. */
function quoted(v: string): string {
  return v.length > 40 ? `"${v.slice(0, 40)}…"` : `"${v}"`
}

function checkText(name: keyof typeof MAX_LEN, s: string, from: number, to: number, required: boolean, mayHaveNul: boolean): string | undefined {
  if (required && to === from) return `${name} is empty`
  if (to - from > MAX_LEN[name]) return `${name} is longer than ${MAX_LEN[name]} characters`
  // PostgreSQL text cannot hold a NUL character
  if (mayHaveNul) for (let i = from; i < to; i++) if (s.charCodeAt(i) === 0) return `${name} contains a NUL character`
  return undefined
}

const isDigit = (c: number) => c >= 48 && c <= 57

/** Value of the `n` digits at `at`, or -1 if they are not all digits. */
function digits(s: string, at: number, n: number): number {
  let v = 0
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i)
    if (!isDigit(c)) return -1
    v = v * 10 + (c - 48)
  }
  return v
}

/**
 * ISO 8601 with a UTC offset, to microseconds since the epoch: 2026-03-01T10:15:00-05:00,
 * 2026-03-01 10:15:00.123+0100, 2026-03-01T15:15Z. At most 6 decimals of a second, no leap second,
 * no 24:00, years 1900–2199 (so that the microseconds stay exact in a double).
 */
export function parseTimestampMicros(v: string, from: number, to: number): number | string {
  // past the end of the field, charCodeAt gives the separator or NaN: never a digit, never the character wanted
  if (to - from < 16) return notIso(v.slice(from, to))
  const year = digits(v, from, 4)
  const month = digits(v, from + 5, 2)
  const day = digits(v, from + 8, 2)
  const hour = digits(v, from + 11, 2)
  const minute = digits(v, from + 14, 2)
  const sep = v.charCodeAt(from + 10)
  if (v.charCodeAt(from + 4) !== 45 || v.charCodeAt(from + 7) !== 45 || (sep !== 84 && sep !== 32) || v.charCodeAt(from + 13) !== 58) return notIso(v.slice(from, to))
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) return notIso(v.slice(from, to))
  let i = from + 16
  let second = 0
  let micros = 0
  if (i < to && v.charCodeAt(i) === 58) {
    if (i + 3 > to) return notIso(v.slice(from, to))
    second = digits(v, i + 1, 2)
    if (second < 0) return notIso(v.slice(from, to))
    i += 3
    if (i < to && v.charCodeAt(i) === 46) {
      let n = 0
      for (; i + 1 + n < to && isDigit(v.charCodeAt(i + 1 + n)); n++) micros = micros * 10 + (v.charCodeAt(i + 1 + n) - 48)
      if (n < 1 || n > 6) return notIso(v.slice(from, to))
      micros *= 10 ** (6 - n)
      i += 1 + n
    }
  }
  const offset = zoneMinutes(v, i, to)
  if (offset === 'none') return `occurred_at ${quoted(v.slice(from, to))} has no UTC offset (write it like 2026-03-01T10:15:00-05:00 or …Z)`
  if (offset === 'bad') return notIso(v.slice(from, to))
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) {
    return `occurred_at ${quoted(v.slice(from, to))} is not a valid date and time (years 1900–2199)`
  }
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset * 60
  return seconds * 1_000_000 + micros
}

/** Why `v` is refused as occurred_at (built only for a refused row: it runs for every row). */
function notIso(v: string): string {
  return `occurred_at ${quoted(v)} is not an ISO 8601 timestamp like 2026-03-01T10:15:00-05:00`
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): no Date object. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146_097 + doe - 719_468
}

/** The zone designator from `i` to the end, in minutes east of UTC: Z, ±HH, ±HHMM or ±HH:MM. */
function zoneMinutes(v: string, i: number, to: number): number | 'none' | 'bad' {
  if (i === to) return 'none'
  const c = v.charCodeAt(i)
  if (c === 90) return i + 1 === to ? 0 : 'bad'
  if (c !== 43 && c !== 45) return 'bad'
  const rest = to - i - 1
  const hours = digits(v, i + 1, 2)
  const minutes = rest === 2 ? 0 : rest === 4 ? digits(v, i + 3, 2) : rest === 5 && v.charCodeAt(i + 3) === 58 ? digits(v, i + 4, 2) : -1
  if (hours < 0 || hours > 15 || minutes < 0 || minutes > 59) return 'bad'
  return (c === 45 ? -1 : 1) * (hours * 60 + minutes)
}

function daysIn(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
}

/** numeric(12,3): an optional minus, 1–9 digits, optionally a point and 1–3 decimals; not zero. */
function parseQuantityMilli(v: string, from: number, to: number): number | string {
  const neg = from < to && v.charCodeAt(from) === 45
  let i = neg ? from + 1 : from
  let whole = 0
  let n = 0
  for (; i < to && isDigit(v.charCodeAt(i)); i++, n++) whole = whole * 10 + (v.charCodeAt(i) - 48)
  let frac = 0
  let decimals = 0
  if (n > 0 && i < to && v.charCodeAt(i) === 46) {
    for (i++; i < to && isDigit(v.charCodeAt(i)); i++, decimals++) if (decimals < 3) frac = frac * 10 + (v.charCodeAt(i) - 48)
    if (decimals === 0) i = -1
  }
  if (n === 0 || n > 9 || i !== to) {
    return `quantity ${quoted(v.slice(from, to))} is not a decimal number like 2, 0.455 or -1 (at most 9 digits before the point)`
  }
  if (decimals > 3) return `quantity ${quoted(v.slice(from, to))} has more than 3 decimals`
  const milli = whole * 1000 + frac * 10 ** (3 - Math.min(decimals, 3))
  if (milli === 0) return 'quantity is 0 (a returned item has a negative quantity)'
  return neg ? -milli : milli
}

/**
 * Currency units to integer cents ('3.49' → 349, '3' → 300, '.5' → 50), never through a float.
 * Refuses a negative amount and a fraction of a cent ('3.499'; '3.490' is fine).
 */
export function parseCents(name: string, v: string, emptyIsZero: boolean): number | string {
  return parseCentsAt(name, v, 0, v.length, emptyIsZero)
}

/** parseCents of the range from…to of `v`. */
function parseCentsAt(name: string, v: string, from: number, to: number, emptyIsZero: boolean): number | string {
  if (from === to) return emptyIsZero ? 0 : `${name} is empty`
  let i = from
  let cents = 0
  for (; i < to && isDigit(v.charCodeAt(i)); i++) cents = cents * 10 + (v.charCodeAt(i) - 48)
  const wholeDigits = i - from
  cents *= 100
  let decimals = 0
  let subCent = false
  if (i < to && v.charCodeAt(i) === 46) {
    for (i++; i < to && isDigit(v.charCodeAt(i)); i++, decimals++) {
      const d = v.charCodeAt(i) - 48
      if (decimals < 2) cents += d * (decimals === 0 ? 10 : 1)
      else if (d !== 0) subCent = true
    }
  }
  if (i !== to || wholeDigits + decimals === 0) {
    return `${name} ${quoted(v.slice(from, to))} is not an amount like 3.49${v.charCodeAt(from) === 45 ? ' (it must not be negative)' : ''}`
  }
  if (subCent) return `${name} ${quoted(v.slice(from, to))} has a fraction of a cent`
  return wholeDigits > 10 || cents > MAX_CENTS ? `${name} ${quoted(v.slice(from, to))} is more than 1,000,000.00` : cents
}

/**
 * round(quantity × unit price) − discount in cents, rounding half away from zero exactly as
 * PostgreSQL's round(numeric) does (so a basket's total is what SQL would compute from its lines).
 */
export function lineTotalCents(milli: number, unitPriceCents: number, discountCents: number): number {
  const product = milli * unitPriceCents
  if (Math.abs(product) > Number.MAX_SAFE_INTEGER) {
    const p = BigInt(milli) * BigInt(unitPriceCents)
    const abs = p < 0n ? -p : p
    const rounded = (abs + 500n) / 1000n
    return Number(p < 0n ? -rounded : rounded) - discountCents
  }
  const abs = Math.abs(product)
  const rest = abs % 1000
  const rounded = (abs - rest) / 1000 + (rest >= 500 ? 1 : 0)
  // 0 - rounded, not -rounded: a returned item at price 0 is 0, never -0 (a double, which would
  // make V8 drop the optimized code that sums these as small integers)
  return (product < 0 ? 0 - rounded : rounded) - discountCents
}

const JSON_SPECIAL = /["\\\u0000-\u001f]/

/**
 * The line as the POS API's content hash sees an item: JSON [sku, quantity, unit price, discount],
 * byte for byte what JSON.stringify gives there (the quantity as a JS number: '2.000' → 2).
 */
export function lineJson(r: TxnLine): string {
  return `[${jsonString(r.sku)},${r.quantityMilli / 1000},${r.unitPriceCents},${r.discountCents}]`
}

/** JSON.stringify(s), without its cost for the usual string that needs no escape. */
export function jsonString(s: string): string {
  return JSON_SPECIAL.test(s) ? JSON.stringify(s) : `"${s}"`
}
