import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { pipeline, type Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { type CsvRecord, CsvParser, splitPlain } from './csv-parser.ts'

/** A data row of an import file; `line` is the 1-based line number in the file (header = line 1). */
export interface CsvRow {
  readonly line: number
  readonly values: readonly string[]
  /** Set when the row's quoting is broken (its `values` are then empty): report it and go on. */
  readonly error?: string
  /** With `rawLines`: a row without quotes, whose `values` is its one line of text, unsplit. */
  readonly raw?: boolean
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
 * it and go on. `rawLines`: rows without quotes come unsplit (CsvParser's rawLines).
 */
export async function openCsv(file: string, expected: readonly string[], opts: { rawLines?: boolean } = {}): Promise<CsvFile> {
  const totalBytes = (await stat(file)).size
  const gz = await gzipTextSize(file, totalBytes)
  // Chunks of 64 KiB: a chunk's parsed rows die young, which keeps garbage collection cheap.
  const source = createReadStream(file, { highWaterMark: 1 << 16 })
  const noop = () => {}
  const text: Readable = gz > 0 ? pipeline(source, createGunzip(), noop) : source
  text.setEncoding('utf8')

  async function* batches(): AsyncGenerator<CsvRow[]> {
    const parser = new CsvParser(opts)
    let header = true
    const take = (records: CsvRecord[]): CsvRecord[] => {
      if (header && records.length > 0) {
        const first = records[0]!
        checkHeader(first.raw ? splitPlain(first.values[0]!, 0, first.values[0]!.length) : first.values, expected)
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
    if (header) throw new CsvHeaderError(`${file} is empty: expected the header ${expected.join(',')}`)
  }
  async function* rows(): AsyncGenerator<CsvRow> {
    for await (const batch of batches()) yield* batch
  }
  return { rows: rows(), batches: batches(), totalBytes, textBytes: gz ? Math.max(gz, 4 * totalBytes) : totalBytes, bytesRead: () => source.bytesRead }
}

function checkHeader(found: readonly string[], expected: readonly string[]): void {
  const got = found.map((h) => h.trim())
  if (got.length !== expected.length || got.some((h, i) => h !== expected[i])) {
    throw new CsvHeaderError(`line 1: the header must be exactly "${expected.join(',')}" but is "${got.join(',')}"`)
  }
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
