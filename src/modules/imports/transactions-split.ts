import { type FileHandle, open } from 'node:fs/promises'
import path from 'node:path'
import { type CsvBytes, checkHeader, emptyFile } from './csv-file.ts'
import { CsvByteReader, RecordKind } from './csv-parser.ts'
import type { RowError } from './import-report.ts'

// Phase 1 of `pantry import transactions`: one pass over the file that only sorts its records into
// bucket files by a hash of their basket key (store_id, transaction_id), so that every row of a
// basket, wherever it is in the file, lands in the same bucket, in file order. Nothing is validated
// here (the bucket's worker does it, in parallel). The file is read as bytes: a line without quotes
// is copied as it is, never decoded (this pass is the serial part of the import).
// Memory stays flat: each bucket keeps a few tens of kilobytes before they go to its file.

export interface BucketFile {
  readonly file: string
  /** Its size in bytes. */
  readonly bytes: number
  readonly rows: number
}

export interface SplitResult {
  /** Data rows read. */
  readonly rows: number
  /** The buckets that got rows. */
  readonly buckets: BucketFile[]
  /** Rows whose quoting is broken: refused here, with no basket to refuse with them. */
  readonly rejected: number
  readonly errors: RowError[]
}

// all the buckets' buffers together take at most about this many bytes
const BUFFERED_BYTES = 16 << 20
const COMMA = 44

/**
 * Reads `csv`, whose header must be `header`, into `count` bucket files in `dir`. `progress(rows)`
 * is called after each piece of the file.
 */
export async function splitIntoBuckets(
  csv: CsvBytes,
  header: readonly string[],
  dir: string,
  count: number,
  maxErrors: number,
  progress: (rows: number) => void,
): Promise<SplitResult> {
  const buckets = Array.from({ length: count }, (_, i) => new BucketWriter(path.join(dir, `bucket-${i}.txt`), Math.max(16 << 10, Math.min(128 << 10, Math.floor(BUFFERED_BYTES / count)))))
  const table = bucketTable(count)
  const reader = new CsvByteReader()
  const errors: RowError[] = []
  let rows = 0
  let rejected = 0
  let headerSeen = false
  let done = false
  const records = async (): Promise<void> => {
    for (let kind = reader.next(); kind !== RecordKind.needMore && kind !== RecordKind.end; kind = reader.next()) {
      if (!headerSeen) {
        headerSeen = true
        checkHeader(kind === RecordKind.plain ? reader.buf.toString('utf8', reader.start, reader.end).split(',') : kind === RecordKind.quoted ? reader.values : [], header)
        continue
      }
      rows++
      if (kind === RecordKind.broken) {
        rejected++
        if (errors.length < maxErrors) errors.push({ line: reader.line, reason: reader.error })
        continue
      }
      if (kind === RecordKind.plain) {
        const b = reader.buf
        const start = reader.start
        const end = reader.end
        let c0 = -1
        let c1 = end
        for (let i = start; i < end; i++) {
          if (b[i] !== COMMA) continue
          if (c0 !== -1) {
            c1 = i
            break
          }
          c0 = i
        }
        const w = buckets[c0 === -1 ? 0 : bucketOfBytes(b, c0 + 1, c1, start, c0, table)]!
        if (!w.fits(end - start)) await w.flush()
        if (w.fits(end - start)) w.addBytes(reader.line, b, start, end)
        else await w.addLarge(reader.line, ',', b.toString('utf8', start, end))
      } else {
        const v = reader.values
        const text = JSON.stringify(v)
        const w = buckets[v.length < 2 ? 0 : bucketOf(v[1]!.trim(), v[0]!.trim(), table)]!
        if (!w.fits(3 * text.length)) await w.flush()
        if (w.fits(3 * text.length)) w.add(reader.line, ';', text)
        else await w.addLarge(reader.line, ';', text)
      }
    }
  }
  try {
    for await (const chunk of csv.chunks) {
      reader.feed(chunk)
      await records()
      progress(rows)
    }
    reader.finish()
    await records()
    if (!headerSeen) throw emptyFile(csv.file, header)
    progress(rows)
    for (const w of buckets) await w.close()
    done = true
  } finally {
    if (!done) for (const w of buckets) await w.discard()
  }
  return { rows, buckets: buckets.filter((w) => w.rows > 0).map((w) => ({ file: w.file, bytes: w.bytes, rows: w.rows })), rejected, errors }
}

/**
 * Which bucket each value of a basket key's hash (modulo the table's length) goes to. With three
 * buckets or more, the first and the last get a quarter of the share of the others: nothing is
 * written until the first bucket is assembled, and the last one is written while the other
 * session has nothing left to do.
 */
export function bucketTable(count: number): Uint16Array {
  if (count < 3) return Uint16Array.from({ length: count }, (_, i) => i)
  const table = new Uint16Array(4 * (count - 2) + 2)
  table[0] = 0
  for (let i = 1; i < count - 1; i++) table.fill(i, 4 * i - 3, 4 * i + 1)
  table[table.length - 1] = count - 1
  return table
}

/** FNV-1a of the basket key: every row of a basket goes to the same bucket. */
export function bucketOf(storeId: string, txnId: string, table: Uint16Array): number {
  return bucketOfRanges(storeId, 0, storeId.length, txnId, 0, txnId.length, table)
}

/** bucketOf of store.slice(storeFrom, storeTo) and txn.slice(txnFrom, txnTo), without the slices. */
export function bucketOfRanges(store: string, storeFrom: number, storeTo: number, txn: string, txnFrom: number, txnTo: number, table: Uint16Array): number {
  if (table.length === 1) return 0
  let h = 0x811c9dc5
  for (let i = storeFrom; i < storeTo; i++) h = Math.imul(h ^ store.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ 0x1f, 0x01000193)
  for (let i = txnFrom; i < txnTo; i++) h = Math.imul(h ^ txn.charCodeAt(i), 0x01000193)
  return table[(h >>> 0) % table.length]!
}

/**
 * bucketOf(store_id, transaction_id) of a line's two first fields, bytes storeFrom..storeTo and
 * txnFrom..txnTo of `b`, without decoding them: for ASCII the bytes are the UTF-16 code units that
 * bucketOf hashes, and trimming ASCII whitespace is what trim() does. Other text is decoded (trim()
 * knows more whitespace), so that a basket's quoted and unquoted rows land in the same bucket.
 */
export function bucketOfBytes(b: Uint8Array, storeFrom: number, storeTo: number, txnFrom: number, txnTo: number, table: Uint16Array): number {
  if (table.length === 1) return 0
  let high = 0
  for (let i = txnFrom; i < storeTo; i++) high |= b[i]!
  if (high >= 0x80) {
    const text = (from: number, to: number) => Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('utf8').trim()
    return bucketOf(text(storeFrom, storeTo), text(txnFrom, txnTo), table)
  }
  while (storeFrom < storeTo && isSpace(b[storeFrom]!)) storeFrom++
  while (storeTo > storeFrom && isSpace(b[storeTo - 1]!)) storeTo--
  while (txnFrom < txnTo && isSpace(b[txnFrom]!)) txnFrom++
  while (txnTo > txnFrom && isSpace(b[txnTo - 1]!)) txnTo--
  let h = 0x811c9dc5
  for (let i = storeFrom; i < storeTo; i++) h = Math.imul(h ^ b[i]!, 0x01000193)
  h = Math.imul(h ^ 0x1f, 0x01000193)
  for (let i = txnFrom; i < txnTo; i++) h = Math.imul(h ^ b[i]!, 0x01000193)
  return table[(h >>> 0) % table.length]!
}

/** The ASCII characters that String.prototype.trim() removes: tab, LF, VT, FF, CR, space. */
export const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13)

/** One bucket's file, written through a buffer of raw bytes: the records never wait as strings. */
class BucketWriter {
  readonly file: string
  rows = 0
  bytes = 0
  private readonly buf: Buffer
  private o = 0
  private handle: FileHandle | undefined

  constructor(file: string, size: number) {
    this.file = file
    this.buf = Buffer.allocUnsafe(size)
  }

  /** Room for a record of `bytes` bytes plus its line number? */
  fits(bytes: number): boolean {
    return this.o + bytes + 16 <= this.buf.length
  }

  /** `<line>,<bytes start..end of src>\n`; the caller made room for it (fits, else flush). */
  addBytes(line: number, src: Buffer, start: number, end: number): void {
    const buf = this.buf
    let o = this.o
    let digits = 1
    for (let m = line; m >= 10; m = Math.floor(m / 10)) digits++
    for (let k = o + digits - 1, m = line; k >= o; k--, m = Math.floor(m / 10)) buf[k] = 48 + (m % 10)
    o += digits
    buf[o++] = COMMA
    const n = end - start
    // a loop beats a native call for a line of a few tens of bytes
    if (n > 128) src.copy(buf, o, start, end)
    else for (let k = 0; k < n; k++) buf[o + k] = src[start + k]!
    o += n
    buf[o++] = 10
    this.bytes += o - this.o
    this.o = o
    this.rows++
  }

  /** `<line><sep><text>\n` (at most 3 bytes a character); the caller made room for it (fits, else flush). */
  add(line: number, sep: string, text: string): void {
    let o = this.o
    o += this.buf.write(String(line), o, 'latin1')
    this.buf[o++] = sep.charCodeAt(0)
    o += this.buf.write(text, o, 'utf8')
    this.buf[o++] = 10
    this.bytes += o - this.o
    this.o = o
    this.rows++
  }

  async flush(): Promise<void> {
    if (this.o === 0) return
    this.handle ??= await open(this.file, 'w')
    for (let at = 0; at < this.o; ) at += (await this.handle.write(this.buf, at, this.o - at)).bytesWritten
    this.o = 0
  }

  /** A record too large for the buffer goes straight to the file. */
  async addLarge(line: number, sep: string, text: string): Promise<void> {
    await this.flush()
    const record = Buffer.from(`${line}${sep}${text}\n`, 'utf8')
    this.handle ??= await open(this.file, 'w')
    await this.handle.writeFile(record)
    this.bytes += record.length
    this.rows++
  }

  async close(): Promise<void> {
    await this.flush()
    await this.discard()
  }

  /** Closes the file without writing what is buffered. */
  async discard(): Promise<void> {
    this.o = 0
    const h = this.handle
    this.handle = undefined
    await h?.close()
  }
}
