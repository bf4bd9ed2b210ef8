import { type FileHandle, open } from 'node:fs/promises'
import path from 'node:path'
import type { CsvFile } from './csv-file.ts'
import type { RowError } from './import-report.ts'

// Phase 1 of `pantry import transactions`: one pass over the file that only sorts its records into
// bucket files by a hash of their basket key (store_id, transaction_id), so that every row of a
// basket, wherever it is in the file, lands in the same bucket, in file order. Nothing is validated
// here (the bucket's worker does it, in parallel): a line without quotes is copied as it is.
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

/**
 * Reads `csv` (opened with rawLines) into `count` bucket files in `dir`. `progress(rows)` is called
 * after each piece of the file.
 */
export async function splitIntoBuckets(csv: CsvFile, dir: string, count: number, maxErrors: number, progress: (rows: number) => void): Promise<SplitResult> {
  const buckets = Array.from({ length: count }, (_, i) => new BucketWriter(path.join(dir, `bucket-${i}.txt`), Math.max(16 << 10, Math.min(128 << 10, Math.floor(BUFFERED_BYTES / count)))))
  const errors: RowError[] = []
  let rows = 0
  let rejected = 0
  let done = false
  try {
    for await (const batch of csv.batches) {
      for (const row of batch) {
        if (row.error) {
          rejected++
          if (errors.length < maxErrors) errors.push({ line: row.line, reason: row.error })
          continue
        }
        const v = row.values
        let w: BucketWriter
        let sep: string
        let text: string
        if (row.raw) {
          text = v[0]!
          sep = ','
          const c0 = text.indexOf(',')
          const c1 = c0 === -1 ? -1 : text.indexOf(',', c0 + 1)
          w = buckets[c0 === -1 ? 0 : bucketOf(text.slice(c0 + 1, c1 === -1 ? text.length : c1).trim(), text.slice(0, c0).trim(), count)]!
        } else {
          text = JSON.stringify(v)
          sep = ';'
          w = buckets[v.length < 2 ? 0 : bucketOf(v[1]!.trim(), v[0]!.trim(), count)]!
        }
        if (!w.fits(text.length)) await w.flush()
        if (w.fits(text.length)) w.add(row.line, sep, text)
        else await w.addLarge(row.line, sep, text)
      }
      rows += batch.length
      progress(rows)
    }
    for (const w of buckets) await w.close()
    done = true
  } finally {
    if (!done) for (const w of buckets) await w.discard()
  }
  return { rows, buckets: buckets.filter((w) => w.rows > 0).map((w) => ({ file: w.file, bytes: w.bytes, rows: w.rows })), rejected, errors }
}

/** FNV-1a of the basket key: every row of a basket goes to the same bucket. */
export function bucketOf(storeId: string, txnId: string, count: number): number {
  if (count === 1) return 0
  let h = 0x811c9dc5
  for (let i = 0; i < storeId.length; i++) h = Math.imul(h ^ storeId.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ 0x1f, 0x01000193)
  for (let i = 0; i < txnId.length; i++) h = Math.imul(h ^ txnId.charCodeAt(i), 0x01000193)
  return (h >>> 0) % count
}

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

  /** Room for a record of `chars` characters (UTF-8: at most 3 bytes each) plus its line number? */
  fits(chars: number): boolean {
    return this.o + 3 * chars + 16 <= this.buf.length
  }

  /** `<line><sep><text>\n`; the caller made room for it (fits, else flush). */
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
