// npm run bench:import [-- --rows 300000,1000000 --sessions 2 --repeat 2]
//
// `pantry import transactions` against its floor, in the same run and the same schema: a plain COPY
// of the very same rows (headers into pos_transaction, lines into transaction_line with its key).
// Both legs start from the same database: the file's stores there, nothing else (the import creates
// the placeholder products, households and cards of the file's unknown SKUs and cards in its time).
// Each size gets its own generated file (~30-line baskets whose rows interleave like lanes ringing
// up at once, a few thousand stores and cards, 12% card-less baskets, 1% returns). The import runs
// in a child process, so its peak RSS is its own: flat across sizes means memory does not grow
// with the file.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createReadStream } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { sql } from 'kysely'
import { from as copyFrom } from 'pg-copy-streams'
import { backendCpuMs } from './lib/backend-cpu.ts'
import { type BenchDb, createBenchDb, fmt } from './lib/bench-db.ts'
import { type GenFiles, generateTransactions } from './transactions-gen.ts'

export interface ImportBenchResult {
  readonly rows: number
  readonly baskets: number
  readonly fileMb: number
  readonly copyLinesPerSec: number
  readonly importLinesPerSec: number
  /** import rate / COPY rate */
  readonly ratio: number
  readonly importPeakRssMb: number
  /** CPU seconds per million lines (when the server runs on this machine): COPY's backend… */
  readonly copyCpuSecPerM?: number
  /** …and the import's, Node plus its backends. */
  readonly importCpuSecPerM?: { node: number; pg: number }
}

export interface ImportBenchOptions {
  readonly rows: readonly number[]
  /** Database sessions the import uses (default: the importer's default). */
  readonly sessions?: number
  readonly stores?: number
  readonly cards?: number
  /** Runs of each leg per size; the best is kept (the machine may be busy with other work). */
  readonly repeat?: number
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const run = promisify(execFile)

/** Runs the benchmark for each size on a fresh database (DATABASE_URL's server, else embedded). */
export async function benchImport(opts: ImportBenchOptions): Promise<ImportBenchResult[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pantry-bench-import-'))
  const bdb = await createBenchDb(4)
  try {
    const results: ImportBenchResult[] = []
    for (const rows of opts.rows) {
      const files = { csv: path.join(dir, `t${rows}.csv`), headersTsv: path.join(dir, `h${rows}.tsv`), linesTsv: path.join(dir, `l${rows}.tsv`) }
      const gen = await generateTransactions(files, { rows, stores: opts.stores ?? 2_000, cards: opts.cards ?? 5_000 })
      let copy: CopyRun = { seconds: Infinity }
      let imp: ImportRun = { ms: Infinity, maxRssMb: 0, nodeCpuMs: 0 }
      for (let i = 0; i < (opts.repeat ?? 1); i++) {
        const c = await copyLeg(bdb, files, opts.stores ?? 2_000)
        if (c.seconds < copy.seconds) copy = c
        // the import starts from the state COPY started from: the stores there (COPY's headers need
        // them), the month partitions made; what COPY cannot do (placeholder products, households and
        // cards for the unknown SKUs and cards) the import does in its time
        await resetAll(bdb)
        await startingState(bdb, opts.stores ?? 2_000)
        const run = await importLeg(bdb, files.csv, opts.sessions)
        await checkStored(bdb, rows, gen.baskets)
        await resetAll(bdb)
        if (run.ms < imp.ms) imp = { ...run, maxRssMb: Math.max(imp.maxRssMb, run.maxRssMb) }
        else imp = { ...imp, maxRssMb: Math.max(imp.maxRssMb, run.maxRssMb) }
      }
      const perM = (ms: number) => ms / 1000 / (rows / 1e6)
      results.push({
        rows,
        baskets: gen.baskets,
        fileMb: (await stat(files.csv)).size / 1e6,
        copyLinesPerSec: rows / copy.seconds,
        importLinesPerSec: rows / (imp.ms / 1000),
        ratio: copy.seconds / (imp.ms / 1000),
        importPeakRssMb: imp.maxRssMb,
        copyCpuSecPerM: copy.cpuMs === undefined ? undefined : perM(copy.cpuMs),
        importCpuSecPerM: imp.pgCpuMs === undefined ? undefined : { node: perM(imp.nodeCpuMs), pg: perM(imp.pgCpuMs) },
      })
      await Promise.all(Object.values(files).map((f) => rm(f, { force: true })))
    }
    return results
  } finally {
    await bdb.dispose()
    await rm(dir, { recursive: true, force: true })
  }
}

interface CopyRun {
  seconds: number
  cpuMs?: number
}

interface ImportRun {
  ms: number
  maxRssMb: number
  nodeCpuMs: number
  pgCpuMs?: number
}

/** The floor: the same headers and lines, already in COPY format, in one transaction. */
async function copyLeg(bdb: BenchDb, files: GenFiles, stores: number): Promise<CopyRun> {
  await resetAll(bdb)
  await startingState(bdb, stores)
  const client = await bdb.pool.connect()
  try {
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
    const cpu0 = backendCpuMs([pid])
    const started = performance.now()
    await client.query('BEGIN')
    await pipeline(
      createReadStream(files.headersTsv),
      client.query(copyFrom('COPY pos_transaction (id, store_id, pos_transaction_id, lane, card_number, household_id, occurred_at, line_count, total_cents, content_hash, source) FROM STDIN')),
    )
    await pipeline(
      createReadStream(files.linesTsv),
      client.query(copyFrom('COPY transaction_line (household_id, occurred_at, transaction_id, line_no, sku, quantity, unit_price_cents, discount_cents) FROM STDIN')),
    )
    await client.query('COMMIT')
    const seconds = (performance.now() - started) / 1000
    const cpu1 = backendCpuMs([pid])
    return { seconds, cpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 }
  } finally {
    client.release()
  }
}

/** What both legs start from: the generated file's stores, the month partitions of its lines. */
async function startingState(bdb: BenchDb, stores: number): Promise<void> {
  await sql`INSERT INTO store (id) SELECT 'S' || g FROM generate_series(1, ${stores}) g`.execute(bdb.db)
  await sql`SELECT pantry_ensure_line_partition(m) FROM generate_series('2025-12-01'::timestamptz, '2026-08-01', '1 month') m`.execute(bdb.db)
  await sql`CHECKPOINT`.execute(bdb.db).catch(() => {})
}

async function importLeg(bdb: BenchDb, csv: string, sessions: number | undefined): Promise<ImportRun> {
  const args = ['--import', 'tsx', path.join(root, 'bench/import-child.ts'), csv, ...(sessions ? [String(sessions)] : [])]
  const { stdout } = await run(process.execPath, args, { cwd: root, env: { ...process.env, DATABASE_URL: bdb.url, LOG_LEVEL: 'warn' } })
  const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as ImportRun & { summary: { rejected: number } }
  if (out.summary.rejected > 0) throw new Error(`the import rejected rows: ${JSON.stringify(out.summary)}`)
  return out
}

async function checkStored(bdb: BenchDb, rows: number, baskets: number): Promise<void> {
  const r = await sql<{ lines: number; headers: number }>`
    SELECT (SELECT count(*) FROM transaction_line)::int AS lines, (SELECT count(*) FROM pos_transaction)::int AS headers`.execute(bdb.db)
  const got = r.rows[0]!
  if (got.lines !== rows || got.headers !== baskets) throw new Error(`expected ${rows} lines in ${baskets} baskets, found ${got.lines} in ${got.headers}`)
}

async function resetAll(bdb: BenchDb): Promise<void> {
  await sql`TRUNCATE transaction_line, pos_transaction, loyalty_card, household, product, store RESTART IDENTITY`.execute(bdb.db)
  await sql`CHECKPOINT`.execute(bdb.db).catch(() => {})
}

function report(results: readonly ImportBenchResult[], sessions: number | undefined): void {
  console.log(`\nbench:import — pantry import transactions vs COPY of the same rows (sessions: ${sessions ?? 'default'})\n`)
  console.log('rows        baskets   file MB   COPY lines/s   import lines/s   vs COPY   import peak RSS   CPU s per 1M lines: COPY | import node + PG')
  for (const r of results) {
    const cpu = r.copyCpuSecPerM === undefined || !r.importCpuSecPerM ? '-' : `${fmt(r.copyCpuSecPerM, 2)} | ${fmt(r.importCpuSecPerM.node, 2)} + ${fmt(r.importCpuSecPerM.pg, 2)}`
    console.log(
      `${fmt(r.rows).padEnd(10)} ${fmt(r.baskets).padStart(8)} ${fmt(r.fileMb, 1).padStart(9)} ${fmt(r.copyLinesPerSec).padStart(14)} ${fmt(r.importLinesPerSec).padStart(16)} ${`${fmt(r.ratio * 100)}%`.padStart(9)} ${`${fmt(r.importPeakRssMb)} MB`.padStart(17)}   ${cpu}`,
    )
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '300000,1000000' }, sessions: { type: 'string' }, repeat: { type: 'string', default: '1' } } })
  const rows = values.rows.split(',').map(Number)
  const sessions = values.sessions ? Number(values.sessions) : undefined
  report(await benchImport({ rows, sessions, repeat: Number(values.repeat) }), sessions)
}
