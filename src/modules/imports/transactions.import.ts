import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import path from 'node:path'
import { deserialize, serialize } from 'node:v8'
import type { Kysely } from 'kysely'
import type pg from 'pg'
import { Piscina } from 'piscina'
import type { Ctx } from '../../context.ts'
import { poolOf } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import { badRequest } from '../../errors.ts'
import { type CsvFile, CsvHeaderError, openCsv } from './csv-file.ts'
import { emptySummary, type ImportOptions, type ImportSummary, progressBar, type RowError } from './import-report.ts'
import { openSession, type Session } from './pg-session.ts'
import * as repo from './transactions-import.repository.ts'
import { type AssembledBucket, assembleBucket, type BucketTask, COPY_BINARY_HEADER, COPY_BINARY_TRAILER, LINE_COPY, setBasketIds } from './transactions-bucket.ts'
import { TRANSACTIONS_HEADER } from './transactions-row.ts'
import { type BucketFile, splitIntoBuckets } from './transactions-split.ts'

export interface TransactionImportOptions extends ImportOptions {
  /**
   * Database sessions writing at once (default 2). Each bucket of baskets is written whole by one
   * of them, in one transaction. --strict always uses one.
   */
  readonly sessions?: number
  /** Worker threads assembling buckets (default: the cores, at most 4; a one-bucket file: none). */
  readonly threads?: number
  /** About how many bytes of the file go into one bucket (default 4 MiB): what Node holds at once per bucket. */
  readonly bucketBytes?: number
}

const DEFAULT_SESSIONS = 2
const DEFAULT_BUCKET_BYTES = 4 << 20
const MAX_BUCKETS = 1024
// Bad rows are all counted, but only this many are reported (memory stays flat).
const MAX_ERRORS_KEPT = 10_000
// COPY data goes to the socket in pieces of this many bytes
const SEND_BYTES = 1 << 20

/**
 * `pantry import transactions FILE`: line items (one row each, a basket's rows anywhere in the file)
 * → pos_transaction + transaction_line, with the POS ingestion's rules. Idempotent per basket.
 *
 * 1. Split: one pass over the file sorts its rows into bucket files (temporary, on disk) by a hash of
 *    their basket key, so a bucket holds whole baskets. Memory stays flat whatever the file's size.
 * 2. Assemble, in worker threads, a bucket at a time: rows validated, grouped into baskets, baskets
 *    checked (bad row, disagreeing rows, too many lines), content hash and totals computed, lines
 *    encoded for a binary COPY into transaction_line.
 * 3. Write, a bucket at a time per session: headers staged (COPY) then inserted in key order
 *    (ON CONFLICT DO NOTHING: a basket already stored is a duplicate), and the lines of the baskets
 *    inserted COPYed straight into transaction_line, sorted by its key.
 *    --strict writes nothing until every bucket is assembled and no row was refused, then writes
 *    everything in one transaction.
 */
export async function importTransactionsFile(ctx: Ctx, file: string, opts: TransactionImportOptions = {}): Promise<ImportSummary> {
  const pool = poolOf(ctx.db)
  if (!pool) throw new Error('importTransactionsFile needs a database made by createDb: it streams rows with COPY')
  const csv = await openOrFail(file)
  const sessionCount = opts.strict ? 1 : Math.max(1, opts.sessions ?? DEFAULT_SESSIONS)
  const bucketCount = Math.min(MAX_BUCKETS, Math.max(1, Math.ceil(csv.textBytes / (opts.bucketBytes ?? DEFAULT_BUCKET_BYTES))))
  const threads = bucketCount === 1 ? 0 : (opts.threads ?? Math.max(1, Math.min(4, availableParallelism() - 1)))
  const ms = new Stopwatch(performance.now())
  const bar = progressBar('transactions', csv.totalBytes * 4, opts.progress ?? Boolean(process.stderr.isTTY))
  const dir = await mkdtemp(path.join(tmpdir(), 'pantry-import-'))
  // started now, so that the workers load while the file is split
  const runner = createRunner(threads)
  try {
    const split = await headerChecked(file, () =>
      splitIntoBuckets(csv, dir, bucketCount, MAX_ERRORS_KEPT, (rows) => bar.update(csv.bytesRead(), rows)),
    )
    ms.lap('split')
    const tally = new Tally(split.rejected, split.errors)
    const progress = (rows: number) => bar.update(csv.totalBytes + Math.round((3 * csv.totalBytes * rows) / Math.max(1, split.rows)), split.rows)
    const tasks = split.buckets.map((b, i): BucketTask & BucketFile => ({ ...b, bucket: i, maxErrors: MAX_ERRORS_KEPT }))
    const summary = await withSessions(pool, sessionCount, async (sessions) => {
      await Promise.all(sessions.map((s) => repo.createStaging(s.db)))
      const buckets = assembled(runner, tasks, threads + sessionCount)
      if (opts.strict) return writeStrict(sessions[0]!, buckets, tally, dir, progress)
      return writeEach(sessions, buckets, tally, progress)
    })
    ms.lap('write')
    ctx.log.info({ file, rows: split.rows, buckets: split.buckets.length, threads, ...summary, errors: undefined, ms: ms.laps }, 'imported transactions file')
    return summary
  } finally {
    bar.stop()
    await runner.close()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Refused rows: all counted, the first MAX_ERRORS_KEPT by line kept. */
class Tally {
  rejected: number
  rows = 0
  private errors: RowError[]

  constructor(rejected: number, errors: RowError[]) {
    this.rejected = rejected
    this.errors = [...errors]
  }

  add(a: AssembledBucket): void {
    this.rows += a.rows
    this.rejected += a.rejected
    for (const e of a.errors) this.errors.push(e)
    if (this.errors.length > 2 * MAX_ERRORS_KEPT) this.trim()
  }

  sortedErrors(): RowError[] {
    this.trim()
    return this.errors
  }

  private trim(): void {
    this.errors.sort((a, b) => a.line - b.line)
    if (this.errors.length > MAX_ERRORS_KEPT) this.errors.length = MAX_ERRORS_KEPT
  }
}

interface Written {
  imported: number
  duplicates: number
}

/**
 * Default mode: each session takes the next assembled bucket and writes it: its references
 * (stores, placeholder products, cards; each statement commits at once, so the rows they lock are
 * not held while the lines are written), then one transaction with its headers and its lines.
 */
async function writeEach(sessions: Session[], buckets: AsyncIterator<Assembled>, tally: Tally, progress: (rows: number) => void): Promise<ImportSummary> {
  const total: Written = { imported: 0, duplicates: 0 }
  const refs = new References()
  let failed = false
  const loop = async (s: Session) => {
    while (!failed) {
      const next = await buckets.next()
      if (next.done) return
      const { task, bucket: a } = next.value
      tally.add(a)
      if (a.baskets > 0) {
        await refs.ensurePartitions(s, a)
        await repo.clearStaging(s.db)
        await copyHeaders(s, a)
        await refs.insert(s.db, a.skus)
        const w = await s.db.transaction().execute(async (trx) => {
          await repo.insertHeaders(trx)
          return copyLines(s, a, await repo.insertedBaskets(trx, task.bucket))
        })
        total.imported += w.imported
        total.duplicates += w.duplicates
      }
      progress(tally.rows)
    }
  }
  const results = await Promise.allSettled(
    sessions.map((s) =>
      loop(s).catch((err) => {
        failed = true
        throw err
      }),
    ),
  )
  for (const r of results) if (r.status === 'rejected') throw r.reason
  return { ...total, rejected: tally.rejected, errors: tally.sortedErrors() }
}

/**
 * --strict: one session and one transaction, committed only when no row was refused. The headers of
 * every bucket are staged first and each bucket's lines wait in a file, so that the references and
 * the headers are then written in one global key order (two imports cannot deadlock).
 */
async function writeStrict(s: Session, buckets: AsyncIterator<Assembled>, tally: Tally, dir: string, progress: (rows: number) => void): Promise<ImportSummary> {
  const refs = new References()
  const skus = new Set<string>()
  const spilled: { bucket: number; file: string }[] = []
  const months = new Set<string>()
  for (let next = await buckets.next(); !next.done; next = await buckets.next()) {
    const { task, bucket: a } = next.value
    tally.add(a)
    if (a.baskets > 0) {
      await copyHeaders(s, a)
      if (tally.rejected === 0) {
        for (const sku of a.skus) skus.add(sku)
        for (const m of monthsOf(a)) months.add(m)
        const file = path.join(dir, `lines-${task.bucket}.bin`)
        await writeFile(file, serialize(a))
        spilled.push({ bucket: task.bucket, file })
      }
    }
    progress(tally.rows / 2)
  }
  if (tally.rejected > 0) return { imported: 0, duplicates: await repo.storedLineCount(s.db), rejected: tally.rejected, errors: tally.sortedErrors() }
  // partitions before the transaction: creating one locks transaction_line
  for (const m of [...months].sort()) await repo.ensureLinePartition(s.db, m)
  const total: Written = { imported: 0, duplicates: 0 }
  await s.db.transaction().execute(async (trx) => {
    await refs.insert(trx, [...skus])
    await repo.insertHeaders(trx)
    for (const [i, { bucket, file }] of spilled.entries()) {
      const a = deserialize(await readFile(file)) as AssembledBucket
      const w = await copyLines(s, a, await repo.insertedBaskets(trx, bucket))
      total.imported += w.imported
      total.duplicates += w.duplicates
      progress(tally.rows / 2 + (tally.rows / 2) * ((i + 1) / spilled.length))
    }
  })
  return { ...total, rejected: 0, errors: [] }
}

/**
 * Stores, placeholder products and cards, and the months' partitions; remembers the SKUs it has
 * seen to (a few thousand in a chain's catalog) so each is checked once per import.
 */
class References {
  private readonly skusDone = new Set<string>()
  private readonly months = new Map<string, Promise<void>>()

  async insert(db: Kysely<DB>, skus: readonly string[]): Promise<void> {
    const fresh = skus.filter((sku) => !this.skusDone.has(sku))
    await repo.insertMissingStores(db)
    await repo.insertMissingProducts(db, fresh)
    await repo.enrollUnknownCards(db)
    if (this.skusDone.size < 1_000_000) for (const sku of fresh) this.skusDone.add(sku)
  }

  /**
   * The partitions of the bucket's months, each in its own short transaction, never inside a write
   * transaction (creating one locks transaction_line).
   */
  async ensurePartitions(s: Session, a: AssembledBucket): Promise<void> {
    for (const m of monthsOf(a)) {
      let p = this.months.get(m)
      if (!p) {
        p = repo.ensureLinePartition(s.db, m)
        this.months.set(m, p)
      }
      await p
    }
  }
}

/** Start of each UTC month the bucket's baskets fall in (each needs its transaction_line partition). */
function monthsOf(a: AssembledBucket): string[] {
  const months = new Set<string>()
  let last = Number.NaN
  for (const us of a.occurredUs) {
    const d = new Date(Math.floor(us / 1000))
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
    if (start === last) continue
    last = start
    months.add(new Date(start).toISOString())
  }
  return [...months].sort()
}

async function copyHeaders(s: Session, a: AssembledBucket): Promise<void> {
  const copy = s.copyIn(repo.BASKET_COPY)
  await copy.write(a.headers)
  await copy.end()
}

/**
 * The lines of the baskets just inserted, with their ids filled in, in transaction_line's key order
 * (household, time, basket; each basket's lines in file order): appending to a btree in key order
 * costs less than inserting at random places in it. The other baskets were there already.
 */
async function copyLines(s: Session, a: AssembledBucket, inserted: readonly { idx: number; id: number; household_id: number }[]): Promise<Written> {
  let imported = 0
  let all = 0
  for (let i = 0; i < a.baskets; i++) all += a.lineCounts[i]!
  if (inserted.length > 0) {
    const order = [...inserted].sort((x, y) => x.household_id - y.household_id || a.occurredUs[x.idx]! - a.occurredUs[y.idx]! || x.id - y.id)
    const lines = Buffer.from(a.lines.buffer, a.lines.byteOffset, a.lines.byteLength)
    const copy = s.copyIn(LINE_COPY)
    let out = Buffer.allocUnsafe(SEND_BYTES)
    let o = COPY_BINARY_HEADER.copy(out, 0)
    for (const b of order) {
      imported += a.lineCounts[b.idx]!
      const [start, end] = setBasketIds(a, lines, b.idx, b.household_id, b.id)
      if (o + (end - start) > out.length) {
        await copy.write(out.subarray(0, o))
        out = Buffer.allocUnsafe(Math.max(SEND_BYTES, end - start))
        o = 0
      }
      o += lines.copy(out, o, start, end)
    }
    await copy.write(out.subarray(0, o))
    await copy.write(COPY_BINARY_TRAILER)
    await copy.end()
  }
  return { imported, duplicates: all - imported }
}

interface Assembled {
  readonly task: BucketTask
  readonly bucket: AssembledBucket
}

/**
 * The buckets assembled, in order, with at most `ahead` of them being assembled or waiting to be
 * written (what bounds memory). Several sessions may pull from it at once.
 */
async function* assembled(runner: Runner, tasks: readonly BucketTask[], ahead: number): AsyncGenerator<Assembled> {
  const pending: Promise<Assembled>[] = []
  let next = 0
  const fill = () => {
    while (next < tasks.length && pending.length < Math.max(1, ahead)) {
      const task = tasks[next++]!
      const p = runner.run(task).then((bucket) => ({ task, bucket }))
      // observed when its turn comes; meanwhile a failure must not be an unhandled rejection
      p.catch(() => {})
      pending.push(p)
    }
  }
  fill()
  while (pending.length > 0) {
    const a = await pending.shift()!
    fill()
    yield a
  }
}

interface Runner {
  run(task: BucketTask): Promise<AssembledBucket>
  close(): Promise<void>
}

function createRunner(threads: number): Runner {
  if (threads === 0) return { run: assembleBucket, close: async () => {} }
  const pool = new Piscina<BucketTask, AssembledBucket>({
    filename: new URL('./transactions-worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
  })
  return { run: (task) => pool.run(task), close: () => pool.destroy() }
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
    return await openCsv(file, TRANSACTIONS_HEADER, { rawLines: true })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw badRequest(`cannot read ${file} (${code})`)
    throw err
  }
}

/** A wrong header (checked with the first rows) ends the import with a clean error. */
async function headerChecked<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof CsvHeaderError) throw badRequest(`${file}: ${err.message}`)
    throw err
  }
}
