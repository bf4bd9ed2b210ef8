import type { Ctx } from '../../context.ts'
import { badRequest } from '../../errors.ts'
import { CsvHeaderError, type CsvRow, openCsv } from './csv-file.ts'
import { emptySummary, type ImportOptions, type ImportSummary, progressBar } from './import-report.ts'

/** A parsed data row and where it came from. */
export interface Parsed<T> {
  readonly line: number
  readonly row: T
}

export interface ChunkedImport<T> {
  /** Progress bar label, e.g. 'products'. */
  readonly kind: string
  readonly header: readonly string[]
  /** A valid row, or the reason it is refused. Pure: no I/O. */
  parse(values: readonly string[]): T | { readonly reason: string }
  /** Writes one chunk (≤ chunkSize rows) and says how many rows changed something. */
  flush(ctx: Ctx, rows: readonly Parsed<T>[]): Promise<{ imported: number; duplicates: number }>
  readonly chunkSize?: number
}

const DEFAULT_CHUNK = 2_000
// Bad rows are counted without limit, but only this many are kept for the report (memory stays flat).
const MAX_ERRORS_KEPT = 10_000

class StrictRollback extends Error {}

/**
 * Streams a CSV file through `spec` in chunks, each chunk one SQL round trip per statement.
 * Default: each chunk commits on its own and bad rows are skipped. `strict`: the whole file runs in
 * one transaction that is rolled back if any row was bad; once a bad row is seen nothing more is
 * written, but the file is still read to the end so that every bad row is reported.
 */
export async function runChunkedImport<T>(ctx: Ctx, file: string, opts: ImportOptions, spec: ChunkedImport<T>): Promise<ImportSummary> {
  const summary = emptySummary()
  if (!opts.strict) {
    await readChunks(ctx, file, opts, spec, summary)
    return summary
  }
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await readChunks({ ...ctx, db: trx }, file, opts, spec, summary)
      if (summary.rejected > 0) throw new StrictRollback()
    })
  } catch (err) {
    if (!(err instanceof StrictRollback)) throw err
    summary.imported = 0
    summary.duplicates = 0
  }
  return summary
}

async function readChunks<T>(ctx: Ctx, file: string, opts: ImportOptions, spec: ChunkedImport<T>, summary: ImportSummary): Promise<void> {
  const csv = await openCsvOrFail(file, spec.header)
  const bar = progressBar(spec.kind, csv.totalBytes, opts.progress ?? Boolean(process.stderr.isTTY))
  const chunkSize = spec.chunkSize ?? DEFAULT_CHUNK
  let chunk: Parsed<T>[] = []
  let seen = 0
  const flush = async () => {
    // In strict mode a bad row dooms the transaction: stop writing, keep validating.
    if (chunk.length > 0 && !(opts.strict && summary.rejected > 0)) {
      const r = await spec.flush(ctx, chunk)
      summary.imported += r.imported
      summary.duplicates += r.duplicates
    }
    chunk = []
    bar.update(csv.bytesRead(), seen)
  }
  try {
    for await (const batch of batchesOrFail(file, csv.batches)) {
      for (const row of batch) {
        seen++
        const parsed = parseRow(spec, row)
        if (isRejection(parsed)) reject(summary, row.line, parsed.reason)
        else chunk.push({ line: row.line, row: parsed })
        if (chunk.length >= chunkSize) await flush()
      }
    }
    await flush()
  } finally {
    bar.stop()
  }
  const { imported, duplicates, rejected } = summary
  ctx.log.info({ file, rows: seen, imported, duplicates, rejected }, `read ${spec.kind} file`)
}

function parseRow<T>(spec: ChunkedImport<T>, row: CsvRow): T | { readonly reason: string } {
  if (row.error) return { reason: row.error }
  const want = spec.header.length
  if (row.values.length !== want) return { reason: `expected ${want} fields, found ${row.values.length}` }
  return spec.parse(row.values)
}

function isRejection<T>(p: T | { readonly reason: string }): p is { readonly reason: string } {
  return typeof p === 'object' && p !== null && 'reason' in p
}

function reject(summary: ImportSummary, line: number, reason: string): void {
  summary.rejected++
  if (summary.errors.length < MAX_ERRORS_KEPT) summary.errors.push({ line, reason })
}

async function openCsvOrFail(file: string, header: readonly string[]) {
  try {
    return await openCsv(file, header)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw badRequest(`cannot read ${file} (${code})`)
    throw err
  }
}

/** The header is checked as the first rows are read: a wrong one ends the import with a clean error. */
async function* batchesOrFail(file: string, batches: AsyncIterable<CsvRow[]>): AsyncGenerator<CsvRow[]> {
  try {
    yield* batches
  } catch (err) {
    if (err instanceof CsvHeaderError) throw badRequest(`${file}: ${err.message}`)
    throw err
  }
}
