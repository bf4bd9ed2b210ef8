import { hash as digest } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { splitPlain } from './csv-parser.ts'
import type { RowError } from './import-report.ts'
import type { MemoryBucket } from './transactions-memory-split.ts'
import { emptyRanges, jsonString, lineTotalCents, parseTimestampMicros, parseTxnLine, parseTxnRanges, type TxnRanges } from './transactions-row.ts'

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
  /** The bucket file (transactions-split.ts)… */
  readonly file?: string
  /** …or its rows in a file's text held in memory (transactions-memory-split.ts; this thread only). */
  readonly memory?: { readonly text: string; readonly mayHaveNul: boolean; readonly bucket: MemoryBucket }
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
  /**
   * The headers as binary COPY tuples of pos_transaction (HEADER_COPY in the repository), basket
   * after basket, their id and household_id blank (setHeaderIds); `headerAt`: where each starts
   * (one more entry: the end).
   */
  readonly headers: Uint8Array
  readonly headerAt: Int32Array
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
  /** occurred_at of its first good row, as written, and its value */
  timeText: string
  /** Its first good row's text from lane to occurred_at, as written ('' when that row had quotes) */
  head: string
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
  const m = task.memory
  if (m) return assembleLines(m.text, m.mayHaveNul, m.bucket, task.maxErrors, pause)
  return assemble(await readFile(task.file!, 'utf8'), task.maxErrors, pause)
}

export default assembleBucket

/**
 * Runs the assembly over a few made-up baskets, so that V8 has seen each of its paths (items,
 * returns, baskets with and without a card, SKUs of both lengths) before the real buckets: without
 * it the code optimized early deoptimizes at the first path it had not met, and is compiled again.
 */
export async function warmUpAssembly(): Promise<void> {
  const rows: string[] = []
  for (let b = 0; b < 48; b++) {
    for (let i = 0; i < 8; i++) {
      const sku = i % 3 === 0 ? `WARM-UP-LONG-SKU-${b}-${i}` : `W${i}`
      const card = b % 4 === 0 ? '' : `9${b}`
      rows.push(`${b * 8 + i + 2},T${b},S${b % 5},${b % 3},${card},2026-01-0${1 + (b % 9)}T10:15:00-05:00,${sku},${i === 5 ? -1 : i + 1}.${i}5,${i}.${b % 10}9,${i % 2 === 0 ? '' : '0.10'}`)
    }
  }
  const text = `${rows.join('\n')}\n`
  for (let k = 0; k < 4; k++) await assemble(text, 1)
}

// rows (or baskets) between two pauses: a few milliseconds of work
const SLICE = 4096
const BASKET_SLICE = SLICE >> 5

// The work is done by functions called once per row (readRow) and once per basket (encodeBasket)
// from small loops that pause: V8 then optimizes each of them once, as a function, with the type
// feedback of every path taken so far. Hot loops inside one long function (as before) were compiled
// on the stack (OSR) before their later code had ever run, and recompiled after each deoptimization
// there: at 300,000 rows that compilation took a third of the import's CPU.

/** A bucket file's text (`<line>,<CSV line>` or `<line>;<JSON array of its fields>` a line) assembled. */
export async function assemble(text: string, maxErrors: number, pause?: () => Promise<void>): Promise<AssembledBucket> {
  const st = new Assembly(text, text.indexOf('\0') !== -1)
  for (let pos = 0, n = 0; pos < text.length; n++) {
    if (pause && n === SLICE) {
      n = 0
      await pause()
    }
    pos = readRow(st, pos)
  }
  return finish(st, maxErrors, pause)
}

/** A bucket of a file held in memory assembled: its rows are (start, end, line) triples into `text`. */
async function assembleLines(text: string, mayHaveNul: boolean, bucket: MemoryBucket, maxErrors: number, pause?: () => Promise<void>): Promise<AssembledBucket> {
  const st = new Assembly(text, mayHaveNul)
  const lines = bucket.lines
  for (let k = 0, n = 0; k < lines.length; k += 3, n++) {
    if (pause && n === SLICE) {
      n = 0
      await pause()
    }
    readLine(st, lines[k]!, lines[k + 1]!, lines[k + 2]!)
  }
  return finish(st, maxErrors, pause)
}

async function finish(st: Assembly, maxErrors: number, pause: (() => Promise<void>) | undefined): Promise<AssembledBucket> {
  const accepted = decide(st)
  const errors = st.errors
  errors.sort((a, b) => a.line - b.line)
  if (errors.length > maxErrors) errors.length = maxErrors
  // the POS API's order: the headers are inserted in it, so that writers take their key locks in one order
  accepted.sort(byKey)
  const enc = new Encoding(accepted, st.rows, st.skus.list)
  for (let idx = 0; idx < accepted.length; idx++) {
    if (pause && idx % BASKET_SLICE === BASKET_SLICE - 1) await pause()
    encodeBasket(enc, accepted[idx]!, idx)
  }
  return { rows: st.count, rejected: st.rejected, errors, skus: st.skus.list, ...enc.result() }
}

/** A bucket being read: its rows, baskets and SKUs so far, and the scratch space of readRow. */
class Assembly {
  readonly text: string
  readonly mayHaveNul: boolean
  readonly baskets = new BasketTable()
  readonly skus = new SkuTable()
  readonly rows = new Rows()
  readonly errors: RowError[] = []
  count = 0
  rejected = 0
  /** Where each of a row's fields starts (and one more: past its end). */
  readonly at = new Int32Array(10)
  readonly f = emptyRanges()

  constructor(text: string, mayHaveNul: boolean) {
    this.text = text
    this.mayHaveNul = mayHaveNul
  }
}

/** Reads the bucket file's row at `pos` (validated, added to its basket, or refused); returns where the next one starts. */
function readRow(st: Assembly, pos: number): number {
  const text = st.text
  let nl = text.indexOf('\n', pos)
  if (nl === -1) nl = text.length
  let i = pos
  let line = 0
  for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) line = line * 10 + (c - 48)
  if (text.charCodeAt(i) === 44) readLine(st, i + 1, nl, line)
  else {
    st.count++
    readRareRow(st, line, JSON.parse(text.slice(i + 1, nl)) as string[])
  }
  return nl + 1
}

/** Reads the CSV row from `from` to `end` (a line without quotes), file line `line`. */
function readLine(st: Assembly, from: number, end: number, line: number): void {
  const text = st.text
  st.count++
  // the usual row: its 9 fields, parsed where it lies
  const at = st.at
  let fields = 0
  at[0] = from
  for (let c = from - 1; fields < 9; fields++) {
    c = text.indexOf(',', c + 1)
    if (c === -1 || c > end) break
    at[fields + 1] = c + 1
  }
  if (fields !== 8) {
    readRareRow(st, line, splitPlain(text, from, end))
    return
  }
  const nl = end
  at[9] = nl + 1
  const f = st.f
  // occurred_at is parsed by addRow, and only when its text differs from the basket's first row's
  if (parseTxnRanges(text, at, f, st.mayHaveNul, false) === undefined) addRow(st, line, text, f, false)
  else refuse(st, line, parseTxnRanges(text, at, f, st.mayHaveNul)!, text.slice(at[1]!, at[2]! - 1).trim(), text.slice(at[0]!, at[1]! - 1).trim())
}

/** A row with quotes, or a comma short or more: parsed from its values (rare). */
function readRareRow(st: Assembly, line: number, values: string[]): void {
  const parsed = parseTxnLine(values)
  if (typeof parsed === 'string') {
    refuse(st, line, parsed, values[1]?.trim(), values[0]?.trim())
    return
  }
  // its text values one after the other, as ranges
  const src = parsed.txnId + parsed.storeId + parsed.lane + parsed.card + parsed.sku
  const f = emptyRanges()
  f.txnFrom = 0
  f.txnTo = f.storeFrom = parsed.txnId.length
  f.storeTo = f.laneFrom = f.storeFrom + parsed.storeId.length
  f.laneTo = f.cardFrom = f.laneFrom + parsed.lane.length
  f.cardTo = f.skuFrom = f.cardFrom + parsed.card.length
  f.skuTo = src.length
  f.timeFrom = f.timeTo = src.length
  f.occurredAtMicros = parsed.occurredAtMicros
  f.quantityMilli = parsed.quantityMilli
  f.unitPriceCents = parsed.unitPriceCents
  f.discountCents = parsed.discountCents
  addRow(st, line, src, f, true)
}

/**
 * A row whose values are good, its text values ranges of `src`: into its basket. `timed`: its time
 * is parsed already; else it is parsed here, unless its text is the basket's first row's (the rows
 * of a basket nearly always write the same time), and the row is refused if it is bad.
 */
function addRow(st: Assembly, line: number, src: string, f: TxnRanges, timed: boolean): void {
  const b = st.baskets.get(src, f.storeFrom, f.storeTo, src, f.txnFrom, f.txnTo)
  // the usual row: lane, card and time written as in its basket's first row, compared at once
  const same = !timed && b.count !== 0 && b.head !== '' && sameText(b.head, src, f.laneFrom, f.timeTo)
  let us = f.occurredAtMicros
  if (same) us = b.occurredUs
  else if (!timed) {
    if (b.count !== 0 && b.timeText !== '' && sameText(b.timeText, src, f.timeFrom, f.timeTo)) us = b.occurredUs
    else {
      const parsed = parseTimestampMicros(src, f.timeFrom, f.timeTo)
      if (typeof parsed === 'string') {
        refuse(st, line, parsed, b.storeId, b.txnId)
        return
      }
      us = parsed
    }
  }
  const sku = st.skus.index(src, f.skuFrom, f.skuTo)
  const rows = st.rows
  const r = rows.add(line, sku, f.quantityMilli, f.unitPriceCents, f.discountCents)
  if (b.count === 0) {
    b.lane = src.slice(f.laneFrom, f.laneTo)
    b.card = src.slice(f.cardFrom, f.cardTo)
    b.timeText = src.slice(f.timeFrom, f.timeTo)
    b.head = timed ? '' : src.slice(f.laneFrom, f.timeTo)
    b.occurredUs = us
    b.first = r
  } else {
    if (!same) {
      // compared in place with the basket's first row: no string for the rows that agree
      if (!sameText(b.lane, src, f.laneFrom, f.laneTo)) b.laneDiffers = true
      if (!sameText(b.card, src, f.cardFrom, f.cardTo)) b.cardDiffers = true
      if (us !== b.occurredUs) b.timeDiffers = true
    }
    rows.next[b.last] = r
  }
  b.last = r
  b.count++
}

/** A refused row: reported, and its basket refused, when it names a plausible one. */
function refuse(st: Assembly, line: number, reason: string, storeId: string | undefined, txnId: string | undefined): void {
  st.rejected++
  st.errors.push({ line, reason })
  if (storeId && txnId && storeId.length <= 64 && txnId.length <= 128) {
    const b = st.baskets.get(storeId, 0, storeId.length, txnId, 0, txnId.length)
    if (line < b.badLine) b.badLine = line
  }
}

/** The baskets to write; the rows of the others are refused (reported with their basket's reason). */
function decide(st: Assembly): Basket[] {
  const accepted: Basket[] = []
  const list = st.baskets.list
  const rows = st.rows
  for (let i = 0; i < list.length; i++) {
    const b = list[i]!
    if (b.count === 0) continue
    const reason = refusal(b)
    if (reason === undefined) {
      accepted.push(b)
      continue
    }
    st.rejected += b.count
    for (let r = b.first; r !== -1; r = rows.next[r]!) st.errors.push({ line: rows.line[r]!, reason })
  }
  return accepted
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
interface Slots {
  /** index + 1 in the list (0: empty), and the key's hash, per slot */
  slots: Int32Array
  hashes: Int32Array
  size: number
}

/**
 * Puts index `i` with hash `h` in the free slot `slot` of `t`; grows it at half full. (Functions,
 * not methods of a common base class: calls to an inherited method kept failing V8's map checks.)
 */
function putSlot(t: Slots, slot: number, h: number, i: number): void {
  t.slots[slot] = i + 1
  t.hashes[slot] = h
  if (++t.size * 2 > t.slots.length) growSlots(t)
}

/**
 * An empty array whose elements kind is already "objects": a `[]` starts as an array of small
 * integers and changes its hidden class at the first push of a string or object, which V8's code
 * optimized on the previous bucket's array did not expect.
 */
function objectArray<T>(): T[] {
  const a: unknown[] = ['']
  a.length = 0
  return a as T[]
}

function growSlots(t: Slots): void {
  const { slots, hashes } = t
  t.slots = new Int32Array(slots.length * 2)
  t.hashes = new Int32Array(slots.length * 2)
  const mask = t.slots.length - 1
  for (let k = 0; k < slots.length; k++) {
    if (slots[k] === 0) continue
    let j = hashes[k]! & mask
    while (t.slots[j] !== 0) j = (j + 1) & mask
    t.slots[j] = slots[k]!
    t.hashes[j] = hashes[k]!
  }
}

/** The bucket's distinct SKUs, each numbered in order of first sight. */
class SkuTable implements Slots {
  slots = new Int32Array(1 << 12)
  hashes = new Int32Array(1 << 12)
  size = 0
  readonly list: string[] = objectArray()

  index(s: string, from: number, to: number): number {
    const h = hashRange(s, from, to, 0x811c9dc5)
    const mask = this.slots.length - 1
    let j = h & mask
    for (let e = this.slots[j]!; e !== 0; j = (j + 1) & mask, e = this.slots[j]!) {
      if (this.hashes[j] === h && sameText(this.list[e - 1]!, s, from, to)) return e - 1
    }
    const i = this.list.length
    this.list.push(s.slice(from, to))
    putSlot(this, j, h, i)
    return i
  }
}

/** The bucket's baskets by (store, transaction id), in order of first sight. */
class BasketTable implements Slots {
  slots = new Int32Array(1 << 12)
  hashes = new Int32Array(1 << 12)
  size = 0
  readonly list: Basket[] = objectArray()

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
      timeText: '',
      head: '',
      // a double from the start (NaN, not 0): a field that starts as a small integer and then
      // holds a double changes the objects' hidden class, and V8 drops the code optimized for it
      occurredUs: Number.NaN,
      laneDiffers: false,
      cardDiffers: false,
      timeDiffers: false,
      count: 0,
      first: -1,
      last: -1,
    }
    putSlot(this, j, h, this.list.length)
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

/** A bucket's baskets being encoded (encodeBasket), one after the other, into arrays sized beforehand. */
class Encoding {
  readonly rows: Rows
  /**
   * Each SKU's UTF-8 bytes and JSON text, once, back to back in one buffer each (SKU i from
   * skuAt[i] to skuAt[i + 1]): typed arrays only, no array of small Buffers, whose element loads
   * V8's optimized code kept deoptimizing on.
   */
  readonly skuBytes: Buffer
  readonly skuAt: Int32Array
  readonly skuJson: Buffer
  readonly skuJsonAt: Int32Array
  /** The JSON the POS API hashes, written as bytes (no string per item): room for the longest basket. */
  readonly json: Buffer
  readonly buf: Buffer
  readonly view: DataView
  readonly lineCounts: Int32Array
  readonly occurredUs: Float64Array
  readonly firstTuple: Int32Array
  readonly tupleAt: Int32Array
  readonly stores = new Map<string, number>()
  readonly cards = new Map<string, number>()
  readonly storeOf: Int32Array
  readonly cardOf: Int32Array
  readonly txnIds: string[]
  readonly lanes: string[]
  readonly totals: Float64Array
  readonly hashes: string[]
  readonly headers: Buffer
  readonly headerView: DataView
  readonly headerAt: Int32Array
  /** Bytes of `buf`, tuples and bytes of `headers` written so far. */
  readonly at = new Int32Array(3)

  constructor(accepted: readonly Basket[], rows: Rows, skus: readonly string[]) {
    this.rows = rows
    const texts = skuTexts(skus)
    this.skuBytes = texts.bytes
    this.skuAt = texts.at
    this.skuJson = texts.json
    this.skuJsonAt = texts.jsonAt
    const { lineTotal, size, longest, headerSize } = measure(accepted, rows, texts)
    const n = accepted.length
    this.json = Buffer.allocUnsafe(longest + 64)
    this.buf = Buffer.allocUnsafe(size)
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength)
    this.lineCounts = new Int32Array(n)
    this.occurredUs = new Float64Array(n)
    this.firstTuple = new Int32Array(n + 1)
    this.tupleAt = new Int32Array(lineTotal + 1)
    this.storeOf = new Int32Array(n)
    this.cardOf = new Int32Array(n)
    // filled with strings now, not at the first basket: see objectArray
    this.txnIds = new Array<string>(n).fill('')
    this.lanes = new Array<string>(n).fill('')
    this.totals = new Float64Array(n)
    this.hashes = new Array<string>(n).fill('')
    this.headers = Buffer.allocUnsafe(headerSize)
    this.headerView = new DataView(this.headers.buffer, this.headers.byteOffset, this.headers.byteLength)
    this.headerAt = new Int32Array(n + 1)
  }

  result() {
    const n = this.lineCounts.length
    const [o, t, h] = this.at
    this.firstTuple[n] = t!
    this.tupleAt[t!] = o!
    this.headerAt[n] = h!
    return {
      baskets: n,
      storeOf: this.storeOf,
      txnIds: this.txnIds,
      lanes: this.lanes,
      cardOf: this.cardOf,
      totals: this.totals,
      hashes: this.hashes,
      headers: new Uint8Array(this.headers.buffer, this.headers.byteOffset, h!),
      headerAt: this.headerAt,
      stores: [...this.stores.keys()],
      cards: [...this.cards.keys()],
      lineCounts: this.lineCounts,
      occurredUs: this.occurredUs,
      firstTuple: this.firstTuple,
      tupleAt: this.tupleAt,
      lines: new Uint8Array(this.buf.buffer, this.buf.byteOffset, o!),
    }
  }
}

/** Each SKU's UTF-8 bytes and JSON text, back to back (see Encoding). */
function skuTexts(skus: readonly string[]) {
  let room = 0
  for (let i = 0; i < skus.length; i++) room += skus[i]!.length
  const bytes = Buffer.allocUnsafe(3 * room)
  const at = new Int32Array(skus.length + 1)
  const json = Buffer.allocUnsafe(6 * room + 2 * skus.length)
  const jsonAt = new Int32Array(skus.length + 1)
  for (let i = 0, o = 0, j = 0; i < skus.length; i++) {
    o += bytes.write(skus[i]!, o, 'utf8')
    j += json.write(jsonString(skus[i]!), j, 'utf8')
    at[i + 1] = o
    jsonAt[i + 1] = j
  }
  return { bytes, at, json, jsonAt }
}

/** Room the baskets' encodings need (bounds, never short). */
function measure(accepted: readonly Basket[], rows: Rows, texts: { at: Int32Array; jsonAt: Int32Array }) {
  const { at, jsonAt } = texts
  let lineTotal = 0
  let size = 0
  let longest = 0
  let headerSize = 0
  for (let i = 0; i < accepted.length; i++) {
    const b = accepted[i]!
    lineTotal += b.count
    headerSize += 160 + 3 * (b.storeId.length + b.txnId.length + b.lane.length + b.card.length)
    let json = 0
    for (let r = b.first; r !== -1; r = rows.next[r]!) {
      const sku = rows.sku[r]!
      size += 84 + at[sku + 1]! - at[sku]!
      json += 64 + jsonAt[sku + 1]! - jsonAt[sku]!
    }
    longest = Math.max(longest, json + 6 * (b.lane.length + b.card.length))
  }
  return { lineTotal, size, longest, headerSize }
}

/** Basket `idx` of the bucket: its header values, content hash and total, and its lines as binary tuples. */
function encodeBasket(e: Encoding, b: Basket, idx: number): void {
  let st = e.stores.get(b.storeId)
  if (st === undefined) {
    st = e.stores.size
    e.stores.set(b.storeId, st)
  }
  e.storeOf[idx] = st
  e.txnIds[idx] = b.txnId
  e.lanes[idx] = b.lane
  const card = b.card
  if (card === '') e.cardOf[idx] = -1
  else {
    let c = e.cards.get(card)
    if (c === undefined) {
      c = e.cards.size
      e.cards.set(card, c)
    }
    e.cardOf[idx] = c
  }
  const us = b.occurredUs
  const pgUs = us - PG_EPOCH_US
  const tsHi = Math.floor(pgUs / TWO_32)
  const tsLo = pgUs - tsHi * TWO_32
  const { rows, json, buf, view, skuBytes, skuAt, skuJson, skuJsonAt, tupleAt } = e
  let o = e.at[0]!
  let t = e.at[1]!
  e.firstTuple[idx] = t
  let total = 0
  let lineNo = 0
  let j = json.write(`[${jsonString(b.lane)},${card === '' ? 'null' : jsonString(card)},${Math.floor(us / 1000)},[`, 0, 'utf8')
  for (let r = b.first; r !== -1; r = rows.next[r]!) {
    const sku = rows.sku[r]!
    const milli = rows.milli[r]!
    const price = rows.price[r]!
    const discount = rows.discount[r]!
    total += lineTotalCents(milli, price, discount)
    // the item as the POS API's content hash sees it (lineJson): [sku, quantity, unit price, discount]
    if (lineNo !== 0) json[j++] = 44
    json[j++] = 91
    for (let k = skuJsonAt[sku]!, end = skuJsonAt[sku + 1]!; k < end; k++) json[j++] = skuJson[k]!
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
    const from = skuAt[sku]!
    const n = skuAt[sku + 1]! - from
    view.setInt32(o + 44, n)
    for (let k = 0; k < n; k++) buf[o + 48 + k] = skuBytes[from + k]!
    o = writeNumeric(view, o + 48 + n, milli)
    view.setInt32(o, 4)
    view.setInt32(o + 4, price)
    view.setInt32(o + 8, 4)
    view.setInt32(o + 12, discount)
    o += 16
  }
  e.at[0] = o
  e.at[1] = t
  e.lineCounts[idx] = b.count
  e.occurredUs[idx] = us
  j += json.write('],[]]', j, 'latin1')
  const hash = digest('sha256', json.subarray(0, j), 'base64url').slice(0, 32)
  e.hashes[idx] = hash
  e.totals[idx] = total
  // the header's tuple: id and household_id filled in by setHeaderIds
  const hb = e.headers
  const hv = e.headerView
  let h = e.at[2]!
  e.headerAt[idx] = h
  hv.setInt16(h, 11)
  hv.setInt32(h + 2, 8)
  hv.setInt32(h + 14, 8)
  h = putText(hb, hv, h + 26, b.storeId)
  h = putText(hb, hv, h, b.txnId)
  if (b.lane === '') {
    hv.setInt32(h, -1)
    h += 4
  } else h = putText(hb, hv, h, b.lane)
  if (card === '') {
    hv.setInt32(h, -1)
    h += 4
  } else h = putText(hb, hv, h, card)
  hv.setInt32(h, 8)
  hv.setInt32(h + 4, tsHi)
  hv.setUint32(h + 8, tsLo)
  hv.setInt32(h + 12, 4)
  hv.setInt32(h + 16, b.count)
  hv.setInt32(h + 20, 8)
  setInt64(hv, h + 24, total)
  h = putText(hb, hv, h + 32, hash)
  h = putText(hb, hv, h, 'import')
  e.at[2] = h
}

/**
 * A text value of a binary COPY tuple at `o` (its length, then its UTF-8 bytes); returns the offset
 * after it. ASCII (ids, lanes, cards, hashes nearly always) byte by byte: cheaper than a native call.
 */
function putText(buf: Buffer, view: DataView, o: number, s: string): number {
  const n = s.length
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(k)
    if (c >= 0x80) {
      const bytes = buf.write(s, o + 4, 'utf8')
      view.setInt32(o, bytes)
      return o + 4 + bytes
    }
    buf[o + 4 + k] = c
  }
  view.setInt32(o, n)
  return o + 4 + n
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
 * Fills in one basket's household_id and transaction_id in every one of its tuples (`lines`: a
 * view of a.lines).
 */
export function setBasketIds(a: AssembledBucket, lines: DataView, idx: number, householdId: number, txnId: number): void {
  for (let t = a.firstTuple[idx]!, end = a.firstTuple[idx + 1]!; t < end; t++) {
    const at = a.tupleAt[t]!
    setInt64(lines, at + HOUSEHOLD_AT, householdId)
    setInt64(lines, at + TXN_AT, txnId)
  }
}

/** Byte offsets in a header tuple of the int8 values of id and household_id. */
const HEADER_ID_AT = 6
const HEADER_HOUSEHOLD_AT = 18

/** Fills in one basket's id and household_id in its header tuple (`headers`: a view of a.headers). */
export function setHeaderIds(a: AssembledBucket, headers: DataView, idx: number, id: number, householdId: number): void {
  const at = a.headerAt[idx]!
  setInt64(headers, at + HEADER_ID_AT, id)
  setInt64(headers, at + HEADER_HOUSEHOLD_AT, householdId)
}

/** An integer below 2^53 in magnitude as a big-endian int8 at `at` (no BigInt: a number's two 32-bit halves). */
function setInt64(view: DataView, at: number, n: number): void {
  const hi = Math.floor(n / TWO_32)
  view.setInt32(at, hi)
  view.setUint32(at + 4, n - hi * TWO_32)
}
