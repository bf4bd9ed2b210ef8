// `pantry seed`: runs the generator into CSV files, and optionally loads them through the same
// importers as `pantry import` (so seeded data takes exactly the path a chain's files take).

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Ctx } from '../../context.ts'
import { importProductsFile } from '../catalog/catalog.import.ts'
import { importHouseholdsFile } from '../households/households.import.ts'
import type { ImportSummary } from '../imports/import-report.ts'
import { importTransactionsFile } from '../imports/transactions.import.ts'
import { type ChainOptions, type ChainSink, type ChainTotals, generateChain } from './chain.ts'
import { type ClosableSink, SEED_FILES, csvFilesSink, truthSink } from './csv-sink.ts'
import { buildStores } from './population.ts'
import { insertMissingStores } from './seed.repository.ts'
import { type SeedReport, statsSink } from './stats.ts'

export interface SeedRun extends ChainOptions {
  /** Also write the ground truth (households' staples and cycles) as JSON lines to this file. */
  readonly truthFile?: string
  /** Measure the output (trip gaps, basket values, cycles) for the --verbose report. */
  readonly measure?: boolean
  readonly onDay?: (day: number, days: number) => void
}

export interface SeedFilesResult {
  readonly totals: ChainTotals
  readonly report?: SeedReport
}

/** Writes products.csv, households.csv and transactions.csv into `dir` (created if missing). */
export function writeSeedFiles(dir: string, run: SeedRun): SeedFilesResult {
  mkdirSync(dir, { recursive: true })
  const closables: ClosableSink[] = [csvFilesSink(dir)]
  if (run.truthFile) closables.push(truthSink(run.truthFile))
  const stats = run.measure ? statsSink() : undefined
  const sinks: ChainSink[] = [...closables, ...(stats ? [stats] : [])]
  try {
    const totals = generateChain(run, fanOut(sinks, run.onDay))
    return { totals, report: stats?.report() }
  } finally {
    for (const c of closables) c.close()
  }
}

function fanOut(sinks: readonly ChainSink[], onDay?: (day: number, days: number) => void): ChainSink {
  return {
    begin: (info) => sinks.forEach((s) => s.begin?.(info)),
    household: (h) => sinks.forEach((s) => s.household?.(h)),
    basket: (b) => sinks.forEach((s) => s.basket?.(b)),
    dayDone: onDay,
  }
}

export interface SeedDatabaseResult extends SeedFilesResult {
  readonly storesCreated: number
  readonly imports: { products: ImportSummary; households: ImportSummary; transactions: ImportSummary }
}

/**
 * Generates into a temporary directory and imports the files (stores first, then products,
 * households, transactions). Re-running with the same options changes nothing: the importers are
 * idempotent. The temporary files are removed whatever happens.
 */
export async function seedDatabase(ctx: Ctx, run: SeedRun, opts: { progress?: boolean } = {}): Promise<SeedDatabaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pantry-seed-'))
  try {
    const files = writeSeedFiles(dir, run)
    const storesCreated = await insertMissingStores(ctx.db, buildStores(run.stores))
    const importOpts = { progress: opts.progress }
    const products = await importProductsFile(ctx, join(dir, SEED_FILES.products), importOpts)
    const households = await importHouseholdsFile(ctx, join(dir, SEED_FILES.households), importOpts)
    const transactions = await importTransactionsFile(ctx, join(dir, SEED_FILES.transactions), importOpts)
    ctx.log.info({ storesCreated, products: products.imported, households: households.imported, lines: transactions.imported }, 'seeded database')
    return { ...files, storesCreated, imports: { products, households, transactions } }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
