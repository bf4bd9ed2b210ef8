import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import { parseIsoDate } from '../../modules/seed/calendar.ts'
import type { ChainTotals } from '../../modules/seed/chain.ts'
import type { ImportSummary } from '../../modules/imports/import-report.ts'
import { type SeedFilesResult, type SeedRun, seedDatabase, writeSeedFiles } from '../../modules/seed/seed.service.ts'
import { formatReport } from '../../modules/seed/stats.ts'
import { CliError, withRuntime } from '../runtime.ts'

interface SeedFlags {
  households: string
  days: string
  seed: string
  stores: string
  end?: string
  out?: string
  truth?: string
  verbose?: boolean
}

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('generate a realistic synthetic chain (products, households, baskets) into CSV files or the database')
    .option('--households <n>', 'number of households', '1000')
    .option('--days <n>', 'days of shopping, ending the day before --end', '365')
    .option('--seed <n>', 'random seed: the same options give byte-identical files', '1')
    .option('--stores <n>', 'number of stores (S1..Sn)', '5')
    .option('--end <date>', 'YYYY-MM-DD, first day after the data (default: today, UTC)')
    .option('--out <dir>', 'write products.csv, households.csv, transactions.csv here instead of loading the database')
    .option('--truth <file>', "also write each household's staples and cycles as JSON lines (ground truth)")
    .option('--verbose', 'print measured trip gaps, basket values, weekly spend and cycles (stderr)')
    .action(async (flags: SeedFlags) => {
      const run = parseRun(flags)
      const started = Date.now()
      const bar = dayBar(run.days)
      const withBar: SeedRun = { ...run, onDay: bar.update }
      let imports: Record<string, ImportSummary> = {}
      let result: SeedFilesResult
      if (flags.out) result = writeSeedFiles(flags.out, withBar)
      else {
        const db = await withRuntime('seed', (rt) => seedDatabase(rt.ctx, withBar, { progress: Boolean(process.stderr.isTTY) }))
        result = db
        imports = db.imports
      }
      bar.stop()
      if (result.report) process.stderr.write(`${formatReport(result.report)}\n`)
      process.stdout.write(`${seedLine(result.totals, Date.now() - started, flags.out ?? 'database')}\n`)
      for (const [kind, s] of Object.entries(imports)) {
        for (const e of s.errors.slice(0, 5)) process.stderr.write(`${kind}.csv:${e.line}: ${e.reason}\n`)
        process.stdout.write(`${kind}: imported ${s.imported}, duplicates ${s.duplicates}, rejected ${s.rejected}\n`)
      }
    })
}

function parseRun(flags: SeedFlags): SeedRun {
  const end = flags.end ?? new Date().toISOString().slice(0, 10)
  try {
    parseIsoDate(end)
  } catch {
    throw new CliError(`--end: "${end}" is not a date like 2026-03-14`, 2)
  }
  return {
    households: positiveInt('--households', flags.households, 1_000_000),
    days: positiveInt('--days', flags.days, 3_650),
    seed: positiveInt('--seed', flags.seed, 0xffffffff, 0),
    stores: positiveInt('--stores', flags.stores, 999),
    end,
    truthFile: flags.truth,
    measure: Boolean(flags.verbose),
  }
}

function positiveInt(name: string, text: string, max: number, min = 1): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new CliError(`${name}: "${text}" must be a whole number from ${min} to ${max}`, 2)
  return n
}

/** Progress over simulated days, on stderr, only on a terminal. */
function dayBar(days: number) {
  if (!process.stderr.isTTY) return { update: (_day: number) => {}, stop: () => {} }
  const bar = new cliProgress.SingleBar({ format: 'seed [{bar}] {percentage}% | day {value}/{total}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
  bar.start(days, 0)
  let running = true
  const stop = () => {
    if (running) bar.stop()
    running = false
  }
  // Stops at the last day: in database mode the importers' own bars follow.
  return { update: (day: number) => (day >= days ? stop() : bar.update(day)), stop }
}

function seedLine(t: ChainTotals, ms: number, where: string): string {
  return `seed: ${t.households} households, ${t.baskets} baskets, ${t.lines} lines in ${(ms / 1000).toFixed(1)} s → ${where}`
}
