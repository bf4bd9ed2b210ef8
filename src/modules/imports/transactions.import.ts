import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import path from 'node:path'
import { deserialize, serialize } from 'node:v8'
import type { Kysely } from 'kysely'
import type pg from 'pg'
import { Piscina } from 'piscina'
import type { Ctx } from '../../context.ts'
import { copyText } from '../../db/copy-text.ts'
import { poolOf } from '../../db/database.ts'
import { DEADLOCK_DETECTED, sqlState, UNIQUE_VIOLATION } from '../../db/sql-state.ts'
import type { DB } from '../../db/schema.ts'
import { badRequest } from '../../errors.ts'
import { type CsvBytes, CsvHeaderError, openCsvBytes } from './csv-file.ts'
import { type ImportOptions, type ImportSummary, progressBar, type RowError } from './import-report.ts'
import { openSession, type Session } from './pg-session.ts'
import * as repo from './transactions-import.repository.ts'
import { type AssembledBucket, assembleBucket, warmUpAssembly, type BucketTask, COPY_BINARY_HEADER, COPY_BINARY_TRAILER, LINE_COPY, setBasketIds, setHeaderIds } from './transactions-bucket.ts'
import { TRANSACTIONS_HEADER } from './transactions-row.ts'
import { splitInMemory } from './transactions-memory-split.ts'
import { splitIntoBuckets } from './transactions-split.ts'

export interface TransactionImportOptions extends ImportOptions {
  /**
   * Database sessions writing at once (default 2). Each bucket of baskets is written whole by one
   * of them, in one transaction. --strict always uses one.
   */
  readonly sessions?: number
  /**
   * Worker threads assembling buckets (default: the cores minus two, at most 4; a one-bucket file:
   * none). With none, this thread assembles them, pausing for the writes' I/O: on two cores a worker
   * thread only adds its start-up and a second JIT compilation of the same code to the CPU spent.
   */
  readonly threads?: number
  /** About how many bytes of the file go into one bucket (default 4 MiB): what Node holds at once per bucket. */
  readonly bucketBytes?: number
  /**
   * An uncompressed file of at most this many bytes (default 32 MiB), without quotes, is read at
   * once and split in memory instead of into bucket files (transactions-memory-split.ts), when the
   * buckets are assembled on this thread (no worker threads: two cores); 0: never.
   */
  readonly inMemoryBytes?: number
}

const DEFAULT_SESSIONS = 2
// References remembers at most this many SKUs, and stores and cards (memory stays flat)
const SKUS_KEPT = 1_000_000
const KEYS_KEPT = 100_000
const DEFAULT_BUCKET_BYTES = 4 << 20
const IN_MEMORY_BYTES = 32 << 20
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
 * 2. Assemble, a bucket at a time (in worker threads on more than two cores): rows validated,
 *    grouped into baskets, baskets checked (bad row, disagreeing rows, too many lines), content hash
 *    and totals computed, lines encoded for a binary COPY into transaction_line.
 * 3. Write, a bucket at a time per session, in one transaction: ids reserved from pos_transaction's
 *    identity, headers COPYed in key order, lines COPYed straight into transaction_line sorted by
 *    its key. If a basket was stored already (COPY fails on the key; a file imported again), that
 *    bucket and the next are written the slower way: headers staged, inserted with ON CONFLICT DO
 *    NOTHING (a basket already stored is a duplicate), and the lines of those inserted COPYed.
 *    --strict writes nothing until every bucket is assembled and no row was refused, then writes
 *    everything in one transaction.
 */
export async function importTransactionsFile(ctx: Ctx, file: string, opts: TransactionImportOptions = {}): Promise<ImportSummary> {
  const pool = poolOf(ctx.db)
  if (!pool) throw new Error('importTransactionsFile needs a database made by createDb: it streams rows with COPY')
  const csv = await openOrFail(file)
  const sessionCount = opts.strict ? 1 : Math.max(1, opts.sessions ?? DEFAULT_SESSIONS)
  const full = Math.ceil(csv.textBytes / (opts.bucketBytes ?? DEFAULT_BUCKET_BYTES))
  // the first and last buckets are quarter ones (bucketTable)
  const bucketCount = Math.min(MAX_BUCKETS, full < 2 ? Math.max(1, full) : full + 1)
  const threads = bucketCount === 1 ? 0 : (opts.threads ?? Math.max(0, Math.min(4, availableParallelism() - 2)))
  const ms = new Stopwatch(performance.now())
  const bar = progressBar('transactions', csv.totalBytes * 4, opts.progress ?? Boolean(process.stderr.isTTY))
  const dir = await mkdtemp(path.join(tmpdir(), 'pantry-import-'))
  // started now, so that the workers (if any) load while the file is split
  const runner = createRunner(threads)
  // the file read (when it is read whole) and the sessions' connections under way while the assembly warms up
  const whole = threads === 0 ? csv.readAll(opts.inMemoryBytes ?? IN_MEMORY_BYTES) : Promise.resolve(undefined)
  whole.catch(() => {})
  const opening = openSessions(pool, sessionCount)
  opening.catch(() => {})
  let sessions: Session[] = []
  let failed = true
  try {
    if (threads === 0 && bucketCount > 1) await warmUpAssembly()
    sessions = await opening
    const split = await headerChecked(file, async () => splitFile(csv, await whole, dir, bucketCount, bar))
    ms.lap('split')
    const tally = new Tally(split.rejected, split.errors)
    const progress = (rows: number) => bar.update(csv.totalBytes + Math.round((3 * csv.totalBytes * rows) / Math.max(1, split.rows)), split.rows)
    const buckets = assembled(runner, split.tasks, threads + sessionCount)
    const summary = opts.strict
      ? await writeStrict(sessions[0]!, buckets, tally, dir, progress)
      : // partitions on another connection, when the pool has one beyond the sessions (else they would wait for it forever)
        await writeEach(pool.options.max > sessionCount ? ctx.db : undefined, sessions, buckets, tally, progress)
    failed = false
    ms.lap('write')
    ctx.log.info({ file, rows: split.rows, buckets: split.buckets, inMemory: split.tasks[0]?.memory !== undefined, threads, ...summary, errors: undefined, ms: ms.laps }, 'imported transactions file')
    return summary
  } finally {
    await closeSessions(failed ? await opening.catch(() => sessions) : sessions, failed)
    bar.stop()
    await runner.close()
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Phase 1: the file's rows into buckets, in memory (`whole`: the file read at once, when it was
 * small enough; if it has no quotes) or in bucket files in `dir`.
 */
async function splitFile(csv: CsvBytes, whole: Buffer | undefined, dir: string, count: number, bar: ReturnType<typeof progressBar>) {
  const memory = whole && splitInMemory(whole, TRANSACTIONS_HEADER, csv.file, count)
  if (memory) {
    bar.update(csv.bytesRead(), memory.rows)
    const { text, mayHaveNul } = memory
    const tasks = memory.buckets.map((b, i): BucketTask => ({ bucket: i, maxErrors: MAX_ERRORS_KEPT, memory: { text, mayHaveNul, bucket: b } }))
    return { rows: memory.rows, rejected: 0, errors: [] as RowError[], tasks, buckets: tasks.length }
  }
  const split = await splitIntoBuckets(whole ? { ...csv, chunks: (async function* () { yield whole })() } : csv, TRANSACTIONS_HEADER, dir, count, MAX_ERRORS_KEPT, (rows) =>
    bar.update(csv.bytesRead(), rows),
  )
  const tasks = split.buckets.map((b, i): BucketTask => ({ file: b.file, bucket: i, maxErrors: MAX_ERRORS_KEPT }))
  return { rows: split.rows, rejected: split.rejected, errors: split.errors, tasks, buckets: tasks.length }
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
 * not held while the lines are written), then one transaction with its headers and its lines
 * (copyBucket; insertBucket once baskets already stored were met).
 * The months' partitions are created meanwhile on another connection of `db`'s pool (when given):
 * they are only needed by the lines, and on the first bucket they took ~100 ms of its session's time.
 */
async function writeEach(db: Kysely<DB> | undefined, sessions: Session[], buckets: AsyncIterator<Assembled>, tally: Tally, progress: (rows: number) => void): Promise<ImportSummary> {
  const total: Written = { imported: 0, duplicates: 0 }
  const refs = new References()
  let failed = false
  // a bucket met baskets already stored (a file imported again, or a concurrent import): the next
  // ones go straight to the insert that skips them
  let storedSeen = false
  const loop = async (s: Session) => {
    while (!failed) {
      const next = await buckets.next()
      if (next.done) return
      const { bucket: a } = next.value
      tally.add(a)
      if (a.baskets > 0) {
        const partitions = refs.ensurePartitions(db ?? s.db, a)
        // awaited below; meanwhile a failure must not be an unhandled rejection
        partitions.catch(() => {})
        await refs.insert(s.db, a, listedBaskets(a), true)
        await partitions
        let w = storedSeen ? undefined : await copyBucket(s, a, refs)
        if (w === undefined) {
          storedSeen = true
          w = await insertBucket(s, a, refs)
        }
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
 * A bucket's headers and lines COPYed in one transaction, the baskets' ids reserved from
 * pos_transaction's identity first and each card's household read: what COPY costs PostgreSQL,
 * about a tenth of an INSERT … ON CONFLICT of the same headers. Undefined, with nothing written,
 * when a basket of the bucket is already stored (COPY stops at its primary key) or a concurrent
 * writer's locks clash with this one's: insertBucket then skips the stored ones.
 */
async function copyBucket(s: Session, a: AssembledBucket, refs: References): Promise<Written | undefined> {
  try {
    return await s.db.transaction().execute(async (trx) => {
      const ids = await repo.reserveTransactionIds(trx, a.baskets)
      const households = await repo.householdsOfCards(trx, a.cards)
      const inserted = ids.map((id, idx) => {
        const c = a.cardOf[idx]!
        return { idx, id, household_id: c === -1 ? 0 : (households.get(a.cards[c]!) ?? 0) }
      })
      const headers = new DataView(a.headers.buffer, a.headers.byteOffset, a.headers.byteLength)
      for (const b of inserted) setHeaderIds(a, headers, b.idx, b.id, b.household_id)
      const copy = s.copyIn(repo.HEADER_COPY)
      await copy.write(COPY_BINARY_HEADER)
      await copy.write(a.headers)
      await copy.write(COPY_BINARY_TRAILER)
      await copy.end()
      refs.knownCards(a, inserted)
      return copyLines(s, a, inserted)
    })
  } catch (err) {
    const code = sqlState(err)
    if (code === UNIQUE_VIOLATION || code === DEADLOCK_DETECTED) return undefined
    throw err
  }
}

/**
 * A bucket's headers staged, then inserted with ON CONFLICT DO NOTHING (a basket already stored,
 * or stored meanwhile by another import, is a duplicate), and the lines of those inserted COPYed,
 * in one transaction.
 */
async function insertBucket(s: Session, a: AssembledBucket, refs: References): Promise<Written> {
  await emptyStaging(s)
  await copyStaging(s, a, 0)
  return s.db.transaction().execute(async (trx) => {
    const inserted = basketsOf(a, await repo.insertBucketHeaders(trx))
    refs.knownCards(a, inserted)
    return copyLines(s, a, inserted)
  })
}

/**
 * The bucket's baskets for the statements on stores and cards: the stores not seen yet, and the
 * store, transaction id and card of each basket with a card not seen yet.
 */
function listedBaskets(a: AssembledBucket) {
  return {
    stores: (fresh: readonly string[]) => repo.listedBaskets(fresh, [], []),
    cards(fresh: ReadonlySet<string>) {
      const stores: string[] = []
      const txns: string[] = []
      const cards: string[] = []
      for (let i = 0; i < a.baskets; i++) {
        const c = a.cardOf[i]!
        if (c === -1 || !fresh.has(a.cards[c]!)) continue
        stores.push(a.stores[a.storeOf[i]!]!)
        txns.push(a.txnIds[i]!)
        cards.push(a.cards[c]!)
      }
      return repo.listedBaskets(stores, txns, cards)
    },
  }
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
  await emptyStaging(s)
  for (let next = await buckets.next(); !next.done; next = await buckets.next()) {
    const { task, bucket: a } = next.value
    tally.add(a)
    if (a.baskets > 0) {
      await copyStaging(s, a, task.bucket)
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
    await refs.insert(trx, { skus: [...skus] }, { stores: () => repo.stagedBaskets, cards: () => repo.stagedBaskets })
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
 * Stores, placeholder products and cards, and the months' partitions. Remembers what it has seen
 * to exist (a chain has a few thousand stores, SKUs and cards, and every bucket names most of them),
 * so that the statements of a bucket only run for what is new.
 */
class References {
  /** SKUs checked, or being checked by a session: each once, even when two buckets arrive at once. */
  private readonly skus = new Map<string, Promise<void>>()
  private readonly stores = new Set<string>()
  /** Cards known to be in loyalty_card: those of baskets inserted with a household. */
  private readonly cards = new Set<string>()
  private readonly months = new Map<string, Promise<void>>()

  /**
   * `stores` and `cards`: those of the baskets, when known (else the statements always run); the
   * statements read the baskets from `baskets`, given the stores and cards not seen yet (all when
   * unknown). `plainFirst`: each statement commits at once (not in a transaction), so a plain
   * INSERT that fails on a unique key can be run again with ON CONFLICT (repo.insertMissingProducts).
   */
  async insert(
    db: Kysely<DB>,
    a: { skus: readonly string[]; stores?: readonly string[]; cards?: readonly string[] },
    baskets: { stores(fresh: readonly string[]): repo.BasketSource; cards(fresh: ReadonlySet<string>): repo.BasketSource },
    plainFirst = false,
  ): Promise<void> {
    // claimed before the first await, so that a session with the next bucket leaves them to this one
    let settle: (err?: unknown) => void = () => {}
    const mine = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))))
    mine.catch(() => {})
    const { fresh, others } = this.claimSkus(a.skus, mine)
    try {
      const stores = a.stores?.filter((id) => !this.stores.has(id))
      if (stores === undefined || stores.length > 0) {
        await repo.insertMissingStores(db, baskets.stores(stores ?? []))
        if (this.stores.size < KEYS_KEPT) for (const id of stores ?? []) this.stores.add(id)
      }
      await repo.insertMissingProducts(db, fresh, plainFirst)
      settle()
    } catch (err) {
      settle(err)
      throw err
    }
    const cards = a.cards?.filter((card) => !this.cards.has(card))
    if (cards === undefined || cards.length > 0) await repo.enrollUnknownCards(db, baskets.cards(new Set(cards)), plainFirst)
    // the placeholders that another session is inserting: there before this bucket counts as written
    for (const p of others) await p
  }

  /**
   * The SKUs of `skus` not checked yet, now claimed by `mine`, and the checks of the others still
   * running. (A function of its own, not the loops inline in the async insert: V8 compiles it once.)
   */
  private claimSkus(skus: readonly string[], mine: Promise<void>): { fresh: string[]; others: Set<Promise<void>> } {
    const fresh: string[] = []
    const others = new Set<Promise<void>>()
    // most of a bucket's known SKUs were claimed by one earlier bucket: the Set is added to only on a change
    let last: Promise<void> | undefined
    for (let i = 0; i < skus.length; i++) {
      const p = this.skus.get(skus[i]!)
      if (p === undefined) fresh.push(skus[i]!)
      else if (p !== last) others.add((last = p))
    }
    if (this.skus.size < SKUS_KEPT) for (let i = 0; i < fresh.length; i++) this.skus.set(fresh[i]!, mine)
    return { fresh, others }
  }

  /** After a bucket's headers are inserted: the cards of its baskets inserted with a household exist. */
  knownCards(a: AssembledBucket, inserted: readonly { idx: number; household_id: number }[]): void {
    for (const b of inserted) {
      const c = a.cardOf[b.idx]!
      if (c !== -1 && b.household_id !== 0 && this.cards.size < KEYS_KEPT) this.cards.add(a.cards[c]!)
    }
  }

  /**
   * The partitions of the bucket's months, each in its own short transaction, never inside a write
   * transaction (creating one locks transaction_line).
   */
  async ensurePartitions(db: Kysely<DB>, a: AssembledBucket): Promise<void> {
    for (const m of monthsOf(a)) {
      let p = this.months.get(m)
      if (!p) {
        p = repo.ensureLinePartition(db, m)
        this.months.set(m, p)
      }
      await p
    }
  }
}

/**
 * The baskets of `a` that `rows` (inserted headers: key, id, household) name, by their index in the
 * bucket (NUL separates the key's two parts: PostgreSQL's text cannot hold one).
 */
function basketsOf(a: AssembledBucket, rows: readonly { store_id: string; pos_transaction_id: string; id: number; household_id: number }[]) {
  const idxOf = new Map<string, number>()
  for (let i = 0; i < a.baskets; i++) idxOf.set(`${a.stores[a.storeOf[i]!]}\0${a.txnIds[i]}`, i)
  return rows.map((r) => {
    const idx = idxOf.get(`${r.store_id}\0${r.pos_transaction_id}`)
    if (idx === undefined) throw new Error(`inserted basket ${r.pos_transaction_id} of store ${r.store_id} is not in the bucket`)
    return { idx, id: r.id, household_id: r.household_id }
  })
}

/** Start of each UTC month the bucket's baskets fall in (each needs its transaction_line partition). */
function monthsOf(a: AssembledBucket): string[] {
  const months: string[] = []
  // the months found so far, in microseconds from…to: a bucket's baskets fall in a few, and a basket
  // in one of them makes no Date
  const from: number[] = []
  const to: number[] = []
  const occurred = a.occurredUs
  next: for (let i = 0; i < occurred.length; i++) {
    const us = occurred[i]!
    for (let m = 0; m < from.length; m++) if (us >= from[m]! && us < to[m]!) continue next
    const d = new Date(Math.floor(us / 1000))
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
    from.push(start * 1000)
    to.push(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) * 1000)
    months.push(new Date(start).toISOString())
  }
  return months.sort()
}

/** Sessions whose staging table exists (made when first needed: most imports never stage a header). */
const staged = new WeakSet<Session>()

/** The session's staging table, made now or emptied. */
async function emptyStaging(s: Session): Promise<void> {
  if (staged.has(s)) return repo.clearStaging(s.db)
  await repo.createStaging(s.db)
  staged.add(s)
}

/** The bucket's headers into the staging, marked with `bucket`. */
async function copyStaging(s: Session, a: AssembledBucket, bucket: number): Promise<void> {
  const copy = s.copyIn(repo.BASKET_COPY)
  await copy.write(stagingRows(a, bucket))
  await copy.end()
}

/** COPY text of import_basket: bucket, idx, store_id, txn_id, lane, card, occurred_us, line_count, total_cents, content_hash. */
function stagingRows(a: AssembledBucket, bucket: number): string {
  let out = ''
  for (let i = 0; i < a.baskets; i++) {
    const c = a.cardOf[i]!
    const card = c === -1 ? '' : a.cards[c]!
    out += `${bucket}\t${i}\t${copyText(a.stores[a.storeOf[i]!]!)}\t${copyText(a.txnIds[i]!)}\t${copyText(a.lanes[i]!)}\t${copyText(card)}\t${a.occurredUs[i]}\t${a.lineCounts[i]}\t${a.totals[i]}\t${a.hashes[i]}\n`
  }
  return out
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
    const lines = a.lines
    const view = new DataView(lines.buffer, lines.byteOffset, lines.byteLength)
    const copy = s.copyIn(LINE_COPY)
    let out = Buffer.allocUnsafe(SEND_BYTES)
    let o = COPY_BINARY_HEADER.copy(out, 0)
    for (const b of order) {
      imported += a.lineCounts[b.idx]!
      setBasketIds(a, view, b.idx, b.household_id, b.id)
      const start = a.tupleAt[a.firstTuple[b.idx]!]!
      const end = a.tupleAt[a.firstTuple[b.idx + 1]!]!
      if (o + (end - start) > out.length) {
        await copy.write(out.subarray(0, o))
        out = Buffer.allocUnsafe(Math.max(SEND_BYTES, end - start))
        o = 0
      }
      // TypedArray set: Buffer.copy's argument checks cost more than copying a basket's few hundred bytes
      out.set(lines.subarray(start, end), o)
      o += end - start
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
  // here, one bucket after the other, pausing for the writes' I/O now and then
  let queue: Promise<unknown> = Promise.resolve()
  const here = (task: BucketTask) => {
    const p = queue.then(() => assembleBucket(task, pauseForIo))
    queue = p.catch(() => {})
    return p
  }
  if (threads === 0) return { run: here, close: async () => {} }
  const pool = new Piscina<BucketTask, AssembledBucket>({
    filename: new URL('./transactions-worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
  })
  return { run: (task) => pool.run(task), close: () => pool.destroy() }
}

const pauseForIo = () => new Promise<void>((resolve) => setImmediate(resolve))

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
 * `n` pooled connections, held for the whole import (the staging tables live in them), connected at
 * once (each connection's authentication is a round trip or two). If one fails, the others are
 * released.
 */
async function openSessions(pool: pg.Pool, n: number): Promise<Session[]> {
  const opened = await Promise.allSettled(Array.from({ length: n }, () => openSession(pool)))
  const sessions = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []))
  const failure = opened.find((o) => o.status === 'rejected')
  if (failure) {
    for (const s of sessions) s.release(true)
    throw failure.reason
  }
  return sessions
}

/** Drops the staging tables and releases the sessions; closes rather than reuses a connection if anything failed. */
async function closeSessions(sessions: Session[], failed: boolean): Promise<void> {
  for (const s of sessions) {
    if (!failed && staged.has(s)) await repo.dropStaging(s.db).catch(() => (failed = true))
    s.release(failed)
  }
}

async function openOrFail(file: string): Promise<CsvBytes> {
  try {
    return await openCsvBytes(file)
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
