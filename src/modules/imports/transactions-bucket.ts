import { hash as digest } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { splitPlain } from './csv-parser.ts'
import type { RowError } from './import-report.ts'
import { emptyRanges, jsonString, lineTotalCents, parseTxnLine, parseTxnRanges } from './transactions-row.ts'

// Phase 2 of `pantry import transactions`, one bucket at a time, in a worker thread (or in-process
// on two cores or for a small file). A bucket holds every row of the baskets whose key hashes to it
// (transactions-split.ts wrote them, in file order), so it is a complete little import: its rows are
// validated, grouped into baskets, each basket decided (refused, or to write: duplicates are found
// by PostgreSQL later), and the baskets to write come out in key order as their header values
// (column by column) and their lines already in the binary COPY format of transaction_line, each
// basket's lines contiguous and in file order. Only the two numbers the database decides,
// household_id and transaction_id, are left blank: the writer fills them in (setBasketIds).
//
// Bucket file format, one record a line: `<line>,<the CSV line>` for a line without quotes, or
// `<line>;<JSON array of its fields>` for a record that had quotes (and may span lines).

const MAX_LINES = 1000 // the POS API's limit on a basket's items

/**
 * transaction_line's columns in the order of the binary tuples. household_id and transaction_id
 * come first, at fixed offsets in every tuple, so that the writer can fill them in place.
 */
export const LINE_COPY =
  'COPY transaction_line (household_id, transaction_id, occurred_at, line_no, sku, quantity, unit_price_cents, discount_cents) FROM STDIN (FORMAT binary)'
/** Byte offsets in a tuple of the int8 values of household_id and transaction_id. */
const HOUSEHOLD_AT = 6
const TXN_AT = 18
/** Binary COPY's file header (signature, flags, no extension) and trailer. */
export const COPY_BINARY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0])
export const COPY_BINARY_TRAILER = Buffer.from([0xff, 0xff])

/** Microseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01 (timestamptz is stored from there). */
const PG_EPOCH_US = 946_684_800_000_000
const TWO_32 = 2 ** 32

export interface BucketTask {
  readonly file: string
  /** Its number (its baskets' rows in --strict's staging are marked with it). */
  readonly bucket: number
  /** Refused rows are all counted; only the first `maxErrors` by line are returned. */
  readonly maxErrors: number
}

/** A bucket's baskets, decided and encoded. Structured-clone friendly (it crosses threads). */
export interface AssembledBucket {
  readonly rows: number
  /** Refused rows, and the good rows of refused baskets. */
  readonly rejected: number
  /** The first refused rows by line, with their reasons. */
  readonly errors: RowError[]
  /** Baskets to write (not refused), in the order of the arrays below: by (store_id, transaction_id). */
  readonly baskets: number
  /** Per basket: its store (an index in `stores`), transaction id, lane, card (an index in `cards`, -1: none). */
  readonly storeOf: Int32Array
  readonly txnIds: string[]
  readonly lanes: string[]
  readonly cardOf: Int32Array
  /** Per basket: its total in cents and its content hash (the POS API's). */
  readonly totals: Float64Array
  readonly hashes: string[]
  /** Per basket: its lines, its time (µs since 1970) and where its tuples start in `tupleAt` (one more entry at the end). */
  readonly lineCounts: Int32Array
  readonly occurredUs: Float64Array
  readonly firstTuple: Int32Array
  /** Byte offset of each tuple in `lines` (one more entry: the end). */
  readonly tupleAt: Int32Array
  /** The baskets' lines: binary COPY tuples of transaction_line (LINE_COPY), basket after basket. */
  readonly lines: Uint8Array
  /** Distinct SKUs of the bucket's valid rows (placeholder products for the unknown ones). */
  readonly skus: string[]
  /** Distinct stores and cards of the baskets to write. */
  readonly stores: string[]
  readonly cards: string[]
}

interface Basket {
  readonly storeId: string
  readonly txnId: string
  /** First refused row of the basket (Infinity when none). */
  badLine: number
  lane: string
  card: string
  occurredUs: number
  laneDiffers: boolean
  cardDiffers: boolean
  timeDiffers: boolean
  /** Its good rows: how many, and the first and last of their chain in Rows (in file order). */
  count: number
  first: number
  last: number
}

/**
 * The good rows of a bucket, column by column in typed arrays: a bucket has tens of thousands of
 * rows, and one object per row (kept until the bucket is encoded) would make garbage collection
 * the biggest cost of the import.
 */
class Rows {
  n = 0
  line = new Int32Array(1024)
  sku = new Int32Array(1024)
  milli = new Float64Array(1024)
  price = new Int32Array(1024)
  discount = new Int32Array(1024)
  /** Next row of the same basket, -1 at the end. */
  next = new Int32Array(1024)

  add(line: number, sku: number, milli: number, price: number, discount: number): number {
    if (this.n === this.line.length) this.grow()
    const r = this.n++
    this.line[r] = line
    this.sku[r] = sku
    this.milli[r] = milli
    this.price[r] = price
    this.discount[r] = discount
    this.next[r] = -1
    return r
  }

  private grow(): void {
    const size = this.line.length * 2
    const more = <A extends Int32Array | Float64Array>(a: A): A => {
      const b = new (a.constructor as new (n: number) => A)(size)
      b.set(a)
      return b
    }
    this.line = more(this.line)
    this.sku = more(this.sku)
    this.milli = more(this.milli)
    this.price = more(this.price)
    this.discount = more(this.discount)
    this.next = more(this.next)
  }
}

/**
 * Reads, validates, groups and encodes one bucket (see the top of this file). `pause`, when given,
 * is awaited every few thousand rows and baskets: on the thread that also drives the writes, it
 * lets their I/O through while a bucket is assembled.
 */
export async function assembleBucket(task: BucketTask, pause?: () => Promise<void>): Promise<AssembledBucket> {
  return assemble(await readFile(task.file, 'utf8'), task.maxErrors, pause)
}

export default assembleBucket

// rows (or baskets) between two pauses: a few milliseconds of work
const SLICE = 4096

export async function assemble(text: string, maxErrors: number, pause?: () => Promise<void>): Promise<AssembledBucket> {
  const baskets = new BasketTable()
  const errors: RowError[] = []
  const skus = new SkuTable()
  const rows = new Rows()
  let count = 0
  let rejected = 0
  const at = new Int32Array(10)
  const f = emptyRanges()
  const mayHaveNul = text.indexOf('\0') !== -1
  for (let pos = 0; pos < text.length; ) {
    if (pause && count % SLICE === SLICE - 1) await pause()
    let nl = text.indexOf('\n', pos)
    if (nl === -1) nl = text.length
    let i = pos
    let line = 0
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) line = line * 10 + (c - 48)
    count++
    let refused: string | undefined
    let storeId: string | undefined
    let txnId: string | undefined
    // the string the ranges in `f` are of
    let src = text
    // the usual row: a line without quotes and with its 9 fields, parsed where it lies
    let fields = 0
    if (text.charCodeAt(i) === 44) {
      at[0] = i + 1
      for (let c = i; fields < 9; fields++) {
        c = text.indexOf(',', c + 1)
        if (c === -1 || c > nl) break
        at[fields + 1] = c + 1
      }
    }
    if (fields === 8) {
      at[9] = nl + 1
      refused = parseTxnRanges(text, at, f, mayHaveNul)
      if (refused !== undefined) {
        storeId = text.slice(at[1]!, at[2]! - 1).trim()
        txnId = text.slice(at[0]!, at[1]! - 1).trim()
      }
    } else {
      const values = text.charCodeAt(i) === 44 ? splitPlain(text, i + 1, nl) : (JSON.parse(text.slice(i + 1, nl)) as string[])
      const parsed = parseTxnLine(values)
      if (typeof parsed === 'string') {
        refused = parsed
        storeId = values[1]?.trim()
        txnId = values[0]?.trim()
      } else {
        // a rare row (quotes, or a comma short): its text values one after the other, as ranges
        src = parsed.txnId + parsed.storeId + parsed.lane + parsed.card + parsed.sku
        f.txnFrom = 0
        f.txnTo = f.storeFrom = parsed.txnId.length
        f.storeTo = f.laneFrom = f.storeFrom + parsed.storeId.length
        f.laneTo = f.cardFrom = f.laneFrom + parsed.lane.length
        f.cardTo = f.skuFrom = f.cardFrom + parsed.card.length
        f.skuTo = src.length
        f.occurredAtMicros = parsed.occurredAtMicros
        f.quantityMilli = parsed.quantityMilli
        f.unitPriceCents = parsed.unitPriceCents
        f.discountCents = parsed.discountCents
      }
    }
    pos = nl + 1
    if (refused !== undefined) {
      rejected++
      errors.push({ line, reason: refused })
      // a refused row refuses its basket, when it names a plausible one
      if (storeId && txnId && storeId.length <= 64 && txnId.length <= 128) {
        const b = baskets.get(storeId, 0, storeId.length, txnId, 0, txnId.length)
        if (line < b.badLine) b.badLine = line
      }
      continue
    }
    const sku = skus.index(src, f.skuFrom, f.skuTo)
    const r = rows.add(line, sku, f.quantityMilli, f.unitPriceCents, f.discountCents)
    const b = baskets.get(src, f.storeFrom, f.storeTo, src, f.txnFrom, f.txnTo)
    if (b.count === 0) {
      b.lane = src.slice(f.laneFrom, f.laneTo)
      b.card = src.slice(f.cardFrom, f.cardTo)
      b.occurredUs = f.occurredAtMicros
      b.first = r
    } else {
      // compared in place with the basket's first row: no string for the rows that agree
      if (!sameText(b.lane, src, f.laneFrom, f.laneTo)) b.laneDiffers = true
      if (!sameText(b.card, src, f.cardFrom, f.cardTo)) b.cardDiffers = true
      if (f.occurredAtMicros !== b.occurredUs) b.timeDiffers = true
      rows.next[b.last] = r
    }
    b.last = r
    b.count++
  }

  const accepted: Basket[] = []
  for (const b of baskets.list) {
    if (b.count === 0) continue
    const reason = refusal(b)
    if (reason === undefined) {
      accepted.push(b)
      continue
    }
    rejected += b.count
    for (let r = b.first; r !== -1; r = rows.next[r]!) errors.push({ line: rows.line[r]!, reason })
  }
  errors.sort((a, b) => a.line - b.line)
  if (errors.length > maxErrors) errors.length = maxErrors
  // the POS API's order: the headers are inserted in it, so that writers take their key locks in one order
  accepted.sort(byKey)
  return { rows: count, rejected, errors, skus: skus.list, ...(await encode(accepted, rows, skus.list, pause)) }
}

/** FNV-1a over the UTF-16 units of s from…to, continuing from `h`. */
function hashRange(s: string, from: number, to: number, h: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h
}

/** Whether `a` is s.slice(from, to), without the slice. */
function sameText(a: string, s: string, from: number, to: number): boolean {
  if (a.length !== to - from) return false
  for (let i = 0; i < a.length; i++) if (a.charCodeAt(i) !== s.charCodeAt(from + i)) return false
  return true
}

/**
 * An open-addressing hash table from text ranges to indexes in a list: looked up with a range of
 * the bucket's text, it makes a string only for a key it has not seen (a Map needs a fresh string
 * per lookup).
 */
class RangeTable {
  /** index + 1 in the list (0: empty), and the key's hash, per slot */
  protected slots = new Int32Array(1 << 12)
  protected hashes = new Int32Array(1 << 12)
  protected size = 0

  /** Puts index `i` with hash `h` in the first free slot from `slot`; grows at half full. */
  protected put(slot: number, h: number, i: number): void {
    this.slots[slot] = i + 1
    this.hashes[slot] = h
    if (++this.size * 2 > this.slots.length) this.grow()
  }

  private grow(): void {
    const { slots, hashes } = this
    this.slots = new Int32Array(slots.length * 2)
    this.hashes = new Int32Array(slots.length * 2)
    const mask = this.slots.length - 1
    for (let k = 0; k < slots.length; k++) {
      if (slots[k] === 0) continue
      let j = hashes[k]! & mask
      while (this.slots[j] !== 0) j = (j + 1) & mask
      this.slots[j] = slots[k]!
      this.hashes[j] = hashes[k]!
    }
  }
}

/** The bucket's distinct SKUs, each numbered in order of first sight. */
class SkuTable extends RangeTable {
  readonly list: string[] = []

  index(s: string, from: number, to: number): number {
    const h = hashRange(s, from, to, 0x811c9dc5)
    const mask = this.slots.length - 1
    let j = h & mask
    for (let e = this.slots[j]!; e !== 0; j = (j + 1) & mask, e = this.slots[j]!) {
      if (this.hashes[j] === h && sameText(this.list[e - 1]!, s, from, to)) return e - 1
    }
    const i = this.list.length
    this.list.push(s.slice(from, to))
    this.put(j, h, i)
    return i
  }
}

/** The bucket's baskets by (store, transaction id), in order of first sight. */
class BasketTable extends RangeTable {
  readonly list: Basket[] = []

  get(ss: string, sFrom: number, sTo: number, ts: string, tFrom: number, tTo: number): Basket {
    // the pair itself is compared: no separator to be ambiguous
    const h = hashRange(ts, tFrom, tTo, Math.imul(hashRange(ss, sFrom, sTo, 0x811c9dc5), 16777619))
    const mask = this.slots.length - 1
    let j = h & mask
    for (let e = this.slots[j]!; e !== 0; j = (j + 1) & mask, e = this.slots[j]!) {
      if (this.hashes[j] !== h) continue
      const b = this.list[e - 1]!
      if (sameText(b.storeId, ss, sFrom, sTo) && sameText(b.txnId, ts, tFrom, tTo)) return b
    }
    const b: Basket = {
      storeId: ss.slice(sFrom, sTo),
      txnId: ts.slice(tFrom, tTo),
      badLine: Infinity,
      lane: '',
      card: '',
      occurredUs: 0,
      laneDiffers: false,
      cardDiffers: false,
      timeDiffers: false,
      count: 0,
      first: -1,
      last: -1,
    }
    this.put(j, h, this.list.length)
    this.list.push(b)
    return b
  }
}

/** Why a basket is refused (the same words as the per-row reports always had), or undefined. */
function refusal(b: Basket): string | undefined {
  if (b.badLine !== Infinity) return `basket ${b.txnId} of store ${b.storeId} has a bad row at line ${b.badLine}`
  if (b.laneDiffers || b.cardDiffers || b.timeDiffers) {
    const what = [b.laneDiffers && 'lane', b.cardDiffers && 'card_number', b.timeDiffers && 'occurred_at'].filter(Boolean).join(', ')
    return `basket ${b.txnId} of store ${b.storeId}: its rows disagree on ${what}`
  }
  if (b.count > MAX_LINES) return `basket ${b.txnId} of store ${b.storeId} has more than ${MAX_LINES} lines`
  return undefined
}

/** By store, then transaction id, as the POS API sorts its baskets (transactions.service.ts). */
function byKey(a: Basket, b: Basket): number {
  return a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : a.txnId < b.txnId ? -1 : a.txnId > b.txnId ? 1 : 0
}

async function encode(accepted: Basket[], rows: Rows, skus: readonly string[], pause: (() => Promise<void>) | undefined) {
  // each SKU's UTF-8 bytes and JSON text, once
  const skuBytes = skus.map((sku) => Buffer.from(sku, 'utf8'))
  const skuJson = skus.map((sku) => Buffer.from(jsonString(sku), 'utf8'))
  // the JSON the POS API hashes, written as bytes (no string per item)
  let json: Buffer = Buffer.allocUnsafe(1 << 16)
  let lineTotal = 0
  let size = 0
  for (const b of accepted) {
    lineTotal += b.count
    for (let r = b.first; r !== -1; r = rows.next[r]!) size += 84 + skuBytes[rows.sku[r]!]!.length
  }
  const buf = Buffer.allocUnsafe(size)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const lineCounts = new Int32Array(accepted.length)
  const occurredUs = new Float64Array(accepted.length)
  const firstTuple = new Int32Array(accepted.length + 1)
  const tupleAt = new Int32Array(lineTotal + 1)
  const stores = new Map<string, number>()
  const cards = new Map<string, number>()
  const storeOf = new Int32Array(accepted.length)
  const cardOf = new Int32Array(accepted.length)
  const txnIds: string[] = new Array(accepted.length)
  const lanes: string[] = new Array(accepted.length)
  const totals = new Float64Array(accepted.length)
  const hashes: string[] = new Array(accepted.length)
  let o = 0
  let t = 0
  for (let idx = 0; idx < accepted.length; idx++) {
    if (pause && idx % (SLICE >> 5) === (SLICE >> 5) - 1) await pause()
    const b = accepted[idx]!
    let st = stores.get(b.storeId)
    if (st === undefined) {
      st = stores.size
      stores.set(b.storeId, st)
    }
    storeOf[idx] = st
    txnIds[idx] = b.txnId
    lanes[idx] = b.lane
    if (b.card === '') cardOf[idx] = -1
    else {
      let c = cards.get(b.card)
      if (c === undefined) {
        c = cards.size
        cards.set(b.card, c)
      }
      cardOf[idx] = c
    }
    const us = b.occurredUs
    const pgUs = us - PG_EPOCH_US
    const tsHi = Math.floor(pgUs / TWO_32)
    const tsLo = pgUs - tsHi * TWO_32
    let total = 0
    firstTuple[idx] = t
    let lineNo = 0
    const card = b.card
    let j = json.write(`[${JSON.stringify(b.lane)},${card === '' ? 'null' : JSON.stringify(card)},${Math.floor(us / 1000)},[`, 0, 'utf8')
    for (let r = b.first; r !== -1; r = rows.next[r]!) {
      const sku = rows.sku[r]!
      const milli = rows.milli[r]!
      const price = rows.price[r]!
      const discount = rows.discount[r]!
      total += lineTotalCents(milli, price, discount)
      // the item as the POS API's content hash sees it (lineJson): [sku, quantity, unit price, discount]
      const name = skuJson[sku]!
      if (j + name.length + 64 > json.length) json = grow(json, j, name.length + 64)
      if (lineNo !== 0) json[j++] = 44
      json[j++] = 91
      j += copyBytes(name, json, j)
      json[j++] = 44
      j = writeQuantity(json, j, milli)
      json[j++] = 44
      j = writeInteger(json, j, price)
      json[j++] = 44
      j = writeInteger(json, j, discount)
      json[j++] = 93
      lineNo++
      tupleAt[t++] = o
      view.setInt16(o, 8)
      // household_id and transaction_id: filled in by setBasketIds
      view.setInt32(o + 2, 8)
      view.setInt32(o + 14, 8)
      view.setInt32(o + 26, 8)
      view.setInt32(o + 30, tsHi)
      view.setUint32(o + 34, tsLo)
      view.setInt32(o + 38, 2)
      view.setInt16(o + 42, lineNo)
      const bytes = skuBytes[sku]!
      view.setInt32(o + 44, bytes.length)
      copyBytes(bytes, buf, o + 48)
      o = writeNumeric(view, o + 48 + bytes.length, milli)
      view.setInt32(o, 4)
      view.setInt32(o + 4, price)
      view.setInt32(o + 8, 4)
      view.setInt32(o + 12, discount)
      o += 16
    }
    lineCounts[idx] = b.count
    occurredUs[idx] = us
    if (j + 5 > json.length) json = grow(json, j, 5)
    j += json.write('],[]]', j, 'latin1')
    hashes[idx] = digest('sha256', json.subarray(0, j), 'base64url').slice(0, 32)
    totals[idx] = total
  }
  firstTuple[accepted.length] = t
  tupleAt[t] = o
  return {
    baskets: accepted.length,
    storeOf,
    txnIds,
    lanes,
    cardOf,
    totals,
    hashes,
    stores: [...stores.keys()],
    cards: [...cards.keys()],
    lineCounts,
    occurredUs,
    firstTuple,
    tupleAt,
    lines: new Uint8Array(buf.buffer, buf.byteOffset, o),
  }
}

function grow(buf: Buffer, used: number, more: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(2 * buf.length, used + more))
  buf.copy(bigger, 0, 0, used)
  return bigger
}

/** Copies all of `from` into `to` at `at`; a loop beats a native call for the few bytes of an SKU. */
function copyBytes(from: Uint8Array, to: Uint8Array, at: number): number {
  const n = from.length
  if (n > 32) to.set(from, at)
  else for (let k = 0; k < n; k++) to[at + k] = from[k]!
  return n
}

/** The decimal digits of a non-negative integer below 2^53, at `o`; returns the offset after them. */
function writeInteger(buf: Uint8Array, o: number, n: number): number {
  if (n < 10) {
    buf[o] = 48 + n
    return o + 1
  }
  let len = 0
  for (let m = n; m >= 1; m = Math.floor(m / 10)) len++
  for (let k = o + len - 1, m = n; k >= o; k--, m = Math.floor(m / 10)) buf[k] = 48 + (m % 10)
  return o + len
}

/**
 * The quantity as JSON.stringify prints the number milli / 1000 (what the POS API hashes), as bytes
 * at `o`: exact decimals, trailing zeros dropped. Returns the offset after them.
 */
export function writeQuantity(buf: Uint8Array, o: number, milli: number): number {
  if (milli < 0) buf[o++] = 45
  const abs = Math.abs(milli)
  o = writeInteger(buf, o, Math.floor(abs / 1000))
  let frac = abs % 1000
  if (frac === 0) return o
  buf[o++] = 46
  for (let k = 0; k < 3 && frac !== 0; k++) {
    buf[o++] = 48 + Math.floor(frac / 100)
    frac = (frac % 100) * 10
  }
  return o
}

/**
 * A quantity in thousandths as PostgreSQL's binary numeric: base-10000 digits without leading or
 * trailing zeros, the weight of the first one, the sign, display scale 3 (numeric(12,3)).
 */
function writeNumeric(view: DataView, o: number, milli: number): number {
  const abs = Math.abs(milli)
  const whole = Math.floor(abs / 1000)
  // base-10000 digits: up to three of the whole part (it has at most 9 decimal digits), one of the fraction
  const d0 = Math.floor(whole / 100_000_000)
  const d1 = Math.floor(whole / 10_000) % 10_000
  const d2 = whole % 10_000
  const d3 = (abs % 1000) * 10
  const first = d0 !== 0 ? 0 : d1 !== 0 ? 1 : d2 !== 0 ? 2 : 3
  const last = d3 !== 0 ? 3 : d2 !== 0 ? 2 : d1 !== 0 ? 1 : 0
  // quantity is never 0, so there is at least one digit
  const ndigits = last - first + 1
  view.setInt32(o, 8 + 2 * ndigits)
  view.setInt16(o + 4, ndigits)
  view.setInt16(o + 6, 2 - first)
  view.setUint16(o + 8, milli < 0 ? 0x4000 : 0)
  view.setInt16(o + 10, 3)
  o += 12
  for (let k = first; k <= last; k++) {
    view.setInt16(o, k === 0 ? d0 : k === 1 ? d1 : k === 2 ? d2 : d3)
    o += 2
  }
  return o
}

/**
 * Fills in one basket's household_id and transaction_id in every one of its tuples, and returns its
 * byte range in `lines`.
 */
export function setBasketIds(a: AssembledBucket, lines: Buffer, idx: number, householdId: number, txnId: number): [number, number] {
  const hhHi = Math.floor(householdId / TWO_32)
  const hhLo = householdId - hhHi * TWO_32
  const idHi = Math.floor(txnId / TWO_32)
  const idLo = txnId - idHi * TWO_32
  for (let t = a.firstTuple[idx]!; t < a.firstTuple[idx + 1]!; t++) {
    const at = a.tupleAt[t]!
    lines.writeInt32BE(hhHi, at + HOUSEHOLD_AT)
    lines.writeUInt32BE(hhLo, at + HOUSEHOLD_AT + 4)
    lines.writeInt32BE(idHi, at + TXN_AT)
    lines.writeUInt32BE(idLo, at + TXN_AT + 4)
  }
  return [a.tupleAt[a.firstTuple[idx]!]!, a.tupleAt[a.firstTuple[idx + 1]!]!]
}


const IMPORT = Buffer.from('import')

/**
 * The bucket's headers as binary COPY data for pos_transaction (HEADER_COPY's columns: id,
 * household_id, store_id, pos_transaction_id, lane, card_number, occurred_at, line_count,
 * total_cents, content_hash, source), in the bucket's order (by key), with the ids and households given.
 */
export function headerTuples(a: AssembledBucket, ids: readonly number[], households: readonly number[]): Buffer {
  const stores = a.stores.map((s) => Buffer.from(s, 'utf8'))
  const cards = a.cards.map((c) => Buffer.from(c, 'utf8'))
  let size = COPY_BINARY_HEADER.length + COPY_BINARY_TRAILER.length
  for (let i = 0; i < a.baskets; i++) {
    const card = a.cardOf[i]!
    size += 128 + stores[a.storeOf[i]!]!.length + 3 * a.txnIds[i]!.length + 3 * a.lanes[i]!.length + (card === -1 ? 0 : cards[card]!.length)
  }
  const buf = Buffer.allocUnsafe(size)
  let o = COPY_BINARY_HEADER.copy(buf, 0)
  const int8 = (v: number) => {
    const hi = Math.floor(v / TWO_32)
    o = buf.writeInt32BE(8, o)
    o = buf.writeInt32BE(hi, o)
    o = buf.writeUInt32BE(v - hi * TWO_32, o)
  }
  const bytes = (b: Uint8Array) => {
    o = buf.writeInt32BE(b.length, o)
    o += copyBytes(b, buf, o)
  }
  const text = (s: string) => {
    const n = buf.write(s, o + 4, 'utf8')
    o = buf.writeInt32BE(n, o) + n
  }
  for (let i = 0; i < a.baskets; i++) {
    o = buf.writeInt16BE(11, o)
    int8(ids[i]!)
    int8(households[i]!)
    bytes(stores[a.storeOf[i]!]!)
    text(a.txnIds[i]!)
    if (a.lanes[i] === '') o = buf.writeInt32BE(-1, o)
    else text(a.lanes[i]!)
    const card = a.cardOf[i]!
    if (card === -1) o = buf.writeInt32BE(-1, o)
    else bytes(cards[card]!)
    int8(a.occurredUs[i]! - PG_EPOCH_US)
    o = buf.writeInt32BE(4, o)
    o = buf.writeInt32BE(a.lineCounts[i]!, o)
    int8(a.totals[i]!)
    text(a.hashes[i]!)
    bytes(IMPORT)
  }
  o += COPY_BINARY_TRAILER.copy(buf, o)
  return buf.subarray(0, o)
}
