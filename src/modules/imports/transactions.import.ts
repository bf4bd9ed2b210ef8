import type { Kysely } from 'kysely'
import type pg from 'pg'
import type { Ctx } from '../../context.ts'
import { poolOf } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import { badRequest } from '../../errors.ts'
import { type CsvFile, CsvHeaderError, openCsv } from './csv-file.ts'
import { emptySummary, type ImportOptions, type ImportSummary, progressBar, type RowError } from './import-report.ts'
import { type CopyIn, openSession, type Session } from './pg-session.ts'
import { badRow, goodRow, STAGE_COPY } from './stage-rows.ts'
import * as repo from './transactions-import.repository.ts'
import { parseTxnLine, TRANSACTIONS_HEADER } from './transactions-row.ts'

export interface TransactionImportOptions extends ImportOptions {
  /**
   * Database sessions working at once (default 2). Baskets are split between them by a hash of
   * their key, so each basket is written whole by one session. --strict always uses one.
   */
  readonly sessions?: number
}

const DEFAULT_SESSIONS = 2
// COPY data is sent in pieces of about this many characters
const SEND_CHARS = 1 << 16
// Bad rows are all counted, but only this many are reported (memory stays flat).
const MAX_ERRORS_KEPT = 10_000
const WORK_MEM_MB = 256

/**
 * `pantry import transactions FILE`: line items (one row each, a basket's rows anywhere in the file)
 * → pos_transaction + transaction_line, with the POS ingestion's rules. Idempotent per basket.
 *
 * 1. Stream: rows are validated here and shipped in chunks to per-session temporary tables. Node
 *    keeps no per-basket state, so its memory is flat whatever the file's size.
 * 2. Classify, in SQL: baskets grouped, checked (bad row, disagreeing rows), matched against
 *    pos_transaction. --strict stops here when any row was refused: nothing is written.
 * 3. Write: partitions, unknown stores/SKUs/cards, then per session one transaction with the
 *    headers (ON CONFLICT DO NOTHING, so a concurrent import of the same baskets writes them once)
 *    and their lines.
 */
export async function importTransactionsFile(ctx: Ctx, file: string, opts: TransactionImportOptions = {}): Promise<ImportSummary> {
  const pool = poolOf(ctx.db)
  if (!pool) throw new Error('importTransactionsFile needs a database made by createDb: it streams rows with COPY')
  const csv = await openOrFail(file)
  const count = opts.strict ? 1 : Math.max(1, opts.sessions ?? DEFAULT_SESSIONS)
  const ms = new Stopwatch(performance.now())
  return withSessions(pool, count, async (sessions) => {
    const conns = sessions.map((s) => s.db)
    await Promise.all(conns.map((c) => repo.createStaging(c)))
    const rows = await stageFile(csv, sessions, opts, file)
    ms.lap('stage')
    const summary = await classify(conns)
    ms.lap('classify')
    if (opts.strict && summary.rejected > 0) return { ...summary, imported: 0 }
    await ensurePartitions(conns)
    // --strict: one session, and its references are written in its one transaction (all or nothing)
    if (!opts.strict) await Promise.all(conns.map((c) => insertReferences(c)))
    ms.lap('references')
    const written = await Promise.all(conns.map((c) => writeSession(c, Boolean(opts.strict))))
    ms.lap('write')
    for (const w of written) {
      summary.imported += w.imported
      summary.duplicates += w.raced
    }
    ctx.log.info({ file, rows, imported: summary.imported, duplicates: summary.duplicates, rejected: summary.rejected, ms: ms.laps }, 'imported transactions file')
    return summary
  })
}

/** Phase 1: reads the file, validates each row, and streams it to the session its basket hashes to. */
async function stageFile(csv: CsvFile, sessions: Session[], opts: ImportOptions, file: string): Promise<number> {
  const writers = sessions.map((s) => new StageWriter(s.copyIn(STAGE_COPY)))
  const bar = progressBar('transactions', csv.totalBytes, opts.progress ?? Boolean(process.stderr.isTTY))
  let rows = 0
  try {
    for await (const batch of headerChecked(csv.batches, file)) {
      for (const row of batch) {
        const v = row.values
        const parsed = row.error ?? parseTxnLine(v)
        const w = writers[writers.length === 1 ? 0 : sessionOf(v[1] ?? '', v[0] ?? '', writers.length)]!
        w.add(typeof parsed === 'string' ? badRow(row.line, v[1], v[0], parsed) : goodRow(row.line, parsed))
      }
      rows += batch.length
      bar.update(csv.bytesRead(), rows)
      for (const w of writers) if (w.size >= SEND_CHARS) await w.send()
    }
    await Promise.all(writers.map((w) => w.end()))
  } finally {
    bar.stop()
  }
  return rows
}

/** Phase 2: per-session basket decisions, added up; the first refused rows by line number. */
async function classify(conns: Kysely<DB>[]): Promise<ImportSummary> {
  const summary = emptySummary()
  const counts = await Promise.all(
    conns.map((c) =>
      c.transaction().execute(async (trx) => {
        await repo.setLocalWorkMem(trx, WORK_MEM_MB)
        return repo.classifyBaskets(trx)
      }),
    ),
  )
  for (const c of counts) {
    summary.rejected += c.rejected
    summary.duplicates += c.duplicates
  }
  const errors: RowError[] = (await Promise.all(conns.map((c) => repo.rejectedRows(c, MAX_ERRORS_KEPT)))).flat()
  summary.errors = errors.sort((a, b) => a.line - b.line).slice(0, MAX_ERRORS_KEPT)
  return summary
}

/**
 * Partitions first, each in its own short transaction: creating one locks transaction_line, which
 * must not happen inside the long write transactions.
 */
async function ensurePartitions(conns: Kysely<DB>[]): Promise<void> {
  const months = new Set((await Promise.all(conns.map((c) => repo.newBasketMonths(c)))).flat())
  for (const month of [...months].sort()) await repo.ensureLinePartition(conns[0]!, month)
}

/**
 * Stores, placeholder products and cards. By default each statement commits at once, so the rows
 * they lock are not held while the lines are written.
 */
async function insertReferences(c: Kysely<DB>): Promise<void> {
  await repo.insertMissingStores(c)
  await repo.insertMissingProducts(c)
  await repo.mapCardsToHouseholds(c)
}

function writeSession(conn: Kysely<DB>, withReferences: boolean): Promise<{ imported: number; raced: number }> {
  return conn.transaction().execute(async (trx) => {
    await repo.setLocalWorkMem(trx, WORK_MEM_MB)
    if (withReferences) await insertReferences(trx)
    return repo.writeNewBaskets(trx)
  })
}

/** One session's COPY stream, fed tens of kilobytes at a time (one write per row is slow). */
class StageWriter {
  size = 0
  private parts: string[] = []
  private readonly copy: CopyIn

  constructor(copy: CopyIn) {
    this.copy = copy
  }

  add(row: string): void {
    this.parts.push(row)
    this.size += row.length
  }

  async send(): Promise<void> {
    const text = this.parts.join('')
    this.parts = []
    this.size = 0
    await this.copy.write(text)
  }

  async end(): Promise<void> {
    if (this.size > 0) await this.send()
    await this.copy.end()
  }
}

/** Milliseconds spent in each phase, for the log line that ends an import. */
class Stopwatch {
  readonly laps: Record<string, number> = {}
  private last: number
  constructor(started: number) {
    this.last = started
  }
  lap(name: string): void {
    const now = performance.now()
    this.laps[name] = Math.round(now - this.last)
    this.last = now
  }
}

/** FNV-1a of the basket key: the same basket always goes to the same session. */
function sessionOf(storeId: string, txnId: string, sessions: number): number {
  let h = 0x811c9dc5
  for (let i = 0; i < storeId.length; i++) h = Math.imul(h ^ storeId.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ 0x1f, 0x01000193)
  for (let i = 0; i < txnId.length; i++) h = Math.imul(h ^ txnId.charCodeAt(i), 0x01000193)
  return (h >>> 0) % sessions
}

/**
 * Holds `n` pooled connections for the duration of `fn` (the staging tables live in them), drops
 * the staging tables after, and closes rather than reuses a connection if anything failed.
 */
async function withSessions<T>(pool: pg.Pool, n: number, fn: (sessions: Session[]) => Promise<T>): Promise<T> {
  const sessions: Session[] = []
  let failed = true
  try {
    for (let i = 0; i < n; i++) sessions.push(await openSession(pool))
    const result = await fn(sessions)
    failed = false
    return result
  } finally {
    for (const s of sessions) {
      if (!failed) await repo.dropStaging(s.db).catch(() => (failed = true))
      s.release(failed)
    }
  }
}

async function openOrFail(file: string): Promise<CsvFile> {
  try {
    return await openCsv(file, TRANSACTIONS_HEADER)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw badRequest(`cannot read ${file} (${code})`)
    throw err
  }
}

/** A wrong header (checked with the first rows) ends the import with a clean error. */
async function* headerChecked<T>(batches: AsyncIterable<T>, file: string): AsyncGenerator<T> {
  try {
    yield* batches
  } catch (err) {
    if (err instanceof CsvHeaderError) throw badRequest(`${file}: ${err.message}`)
    throw err
  }
}
