import { createReadStream } from 'node:fs'
import { open, readFile, stat } from 'node:fs/promises'
import { pipeline, type Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { type CsvRecord, CsvParser } from './csv-parser.ts'

/** A data row of an import file; `line` is the 1-based line number in the file (header = line 1). */
export interface CsvRow {
  readonly line: number
  readonly values: readonly string[]
  /** Set when the row's quoting is broken (its `values` are then empty): report it and go on. */
  readonly error?: string
}

export class CsvHeaderError extends Error {}

export interface CsvFile {
  /** Data rows, streamed: memory stays flat however large the file. */
  rows: AsyncIterable<CsvRow>
  /**
   * The same rows in arrays of a few thousand (one per chunk read), for importers that want to avoid
   * an await per row. Use either `rows` or `batches`, not both: they share one stream.
   */
  batches: AsyncIterable<CsvRow[]>
  /** Size of the file on disk, and a counter of bytes read so far (for a progress bar). */
  readonly totalBytes: number
  /** About how many bytes of text the file holds: its size, or for gzip what its trailer says (at least 4× its size). */
  readonly textBytes: number
  bytesRead(): number
}

/**
 * Opens a CSV file (gzip-compressed when it starts with the gzip magic bytes, whatever its name) and
 * checks that its header is exactly `expected`, in that order. A row with the wrong number of
 * fields, or with broken quoting, is still yielded (with its line number) so the caller can report
 * it and go on.
 */
export async function openCsv(file: string, expected: readonly string[]): Promise<CsvFile> {
  // Chunks of 64 KiB: a chunk's parsed rows die young, which keeps garbage collection cheap.
  const { text, source, totalBytes, textBytes } = await openText(file, 1 << 16)
  text.setEncoding('utf8')

  async function* batches(): AsyncGenerator<CsvRow[]> {
    const parser = new CsvParser()
    let header = true
    const take = (records: CsvRecord[]): CsvRecord[] => {
      if (header && records.length > 0) {
        checkHeader(records[0]!.values, expected)
        header = false
        return records.slice(1)
      }
      return records
    }
    for await (const chunk of text as AsyncIterable<string>) {
      const records: CsvRecord[] = []
      parser.push(chunk, records)
      const rows = take(records)
      if (rows.length > 0) yield rows
    }
    const last: CsvRecord[] = []
    parser.end(last)
    const rows = take(last)
    if (rows.length > 0) yield rows
    if (header) throw emptyFile(file, expected)
  }
  async function* rows(): AsyncGenerator<CsvRow> {
    for await (const batch of batches()) yield* batch
  }
  return { rows: rows(), batches: batches(), totalBytes, textBytes, bytesRead: () => source.bytesRead }
}

/** A CSV file as chunks of its bytes (uncompressed), for CsvByteReader: see openCsv. */
export interface CsvBytes {
  readonly file: string
  readonly chunks: AsyncIterable<Buffer>
  readonly totalBytes: number
  readonly textBytes: number
  bytesRead(): number
  /**
   * The whole file at once, when it is not compressed and holds at most `limit` bytes (then its
   * chunks are not to be read); else undefined. One read instead of a stream's many.
   */
  readAll(limit: number): Promise<Buffer | undefined>
}

export async function openCsvBytes(file: string): Promise<CsvBytes> {
  // no per-row objects come out of a chunk here: larger chunks, fewer awaits
  const { text, source, totalBytes, textBytes } = await openText(file, 1 << 18, 1 << 16)
  let whole = false
  return {
    file,
    chunks: text as AsyncIterable<Buffer>,
    totalBytes,
    textBytes,
    bytesRead: () => (whole ? totalBytes : source.bytesRead),
    async readAll(limit) {
      if (textBytes !== totalBytes || totalBytes > limit) return undefined
      source.destroy()
      whole = true
      return readFile(file)
    },
  }
}

async function openText(file: string, chunkBytes: number, gunzipChunkBytes?: number) {
  const totalBytes = (await stat(file)).size
  const gz = await gzipTextSize(file, totalBytes)
  const source = createReadStream(file, { highWaterMark: chunkBytes })
  const noop = () => {}
  const text: Readable = gz > 0 ? pipeline(source, createGunzip({ chunkSize: gunzipChunkBytes }), noop) : source
  return { text, source, totalBytes, textBytes: gz ? Math.max(gz, 4 * totalBytes) : totalBytes }
}

/** Throws a CsvHeaderError unless `found` (the first record's fields) is `expected`, trimmed. */
export function checkHeader(found: readonly string[], expected: readonly string[]): void {
  const got = found.map((h) => h.trim())
  if (got.length !== expected.length || got.some((h, i) => h !== expected[i])) {
    throw new CsvHeaderError(`line 1: the header must be exactly "${expected.join(',')}" but is "${got.join(',')}"`)
  }
}

export function emptyFile(file: string, expected: readonly string[]): CsvHeaderError {
  return new CsvHeaderError(`${file} is empty: expected the header ${expected.join(',')}`)
}

/** 0 when the file is not gzip; else the uncompressed size its trailer records (modulo 2^32; at least 1). */
async function gzipTextSize(file: string, size: number): Promise<number> {
  const fh = await open(file, 'r')
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0)
    if (bytesRead !== 2 || buffer[0] !== 0x1f || buffer[1] !== 0x8b) return 0
    if (size < 18) return 1
    const trailer = await fh.read(Buffer.alloc(4), 0, 4, size - 4)
    return Math.max(1, trailer.buffer.readUInt32LE(0))
  } finally {
    await fh.close()
  }
}
