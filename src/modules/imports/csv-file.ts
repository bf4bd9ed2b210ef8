import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { pipeline } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { parse } from 'csv-parse'

/** A data row of an import file; `line` is the 1-based line number in the file (header = line 1). */
export interface CsvRow {
  readonly line: number
  readonly values: readonly string[]
}

export class CsvHeaderError extends Error {}

export interface CsvFile {
  /** Data rows, streamed: memory stays flat however large the file. */
  rows: AsyncIterable<CsvRow>
  /** Size of the file on disk, and a counter of bytes read so far (for a progress bar). */
  readonly totalBytes: number
  bytesRead(): number
}

/**
 * Opens a CSV file (gzip-compressed when it starts with the gzip magic bytes, whatever its name) and
 * checks that its header is exactly `expected`, in that order. A row with the wrong number of
 * fields is still yielded (with its line number) so the caller can report it and go on.
 */
export async function openCsv(file: string, expected: readonly string[]): Promise<CsvFile> {
  const totalBytes = (await stat(file)).size
  const gz = await isGzip(file)
  let read = 0
  const source = createReadStream(file, { highWaterMark: 1 << 20 })
  source.on('data', (chunk) => (read += chunk.length))
  const parser = parse({ bom: true, relax_column_count: true, info: true, skip_empty_lines: true })
  const noop = () => {}
  if (gz) pipeline(source, createGunzip(), parser, noop)
  else pipeline(source, parser, noop)

  async function* rows(): AsyncGenerator<CsvRow> {
    let header = true
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (header) {
        checkHeader(record, expected)
        header = false
        continue
      }
      yield { line: info.lines, values: record }
    }
    if (header) throw new CsvHeaderError(`${file} is empty: expected the header ${expected.join(',')}`)
  }
  return { rows: rows(), totalBytes, bytesRead: () => read }
}

function checkHeader(found: readonly string[], expected: readonly string[]): void {
  const got = found.map((h) => h.trim())
  if (got.length !== expected.length || got.some((h, i) => h !== expected[i])) {
    throw new CsvHeaderError(`line 1: the header must be exactly "${expected.join(',')}" but is "${got.join(',')}"`)
  }
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r')
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0)
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b
  } finally {
    await fh.close()
  }
}
