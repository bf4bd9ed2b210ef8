import type { Command } from 'commander'
import { LockBusyError } from '../../db/advisory-lock.ts'
import { isIsoDate } from '../../modules/cycle/cycle-dates.ts'
import { paramsFromConfig } from '../../modules/cycle/cycle.params.ts'
import { findCycle } from '../../modules/cycle/cycle.repository.ts'
import { type CycleSummary, nextCycleStart, runCycle } from '../../modules/cycle/cycle.service.ts'
import { resolveCodeSecret } from '../../modules/codes/code-secret.ts'
import { phaseBars } from '../phase-bars.ts'
import { CliError, type CliRuntime, withRuntime } from '../runtime.ts'

export const CYCLE_UNITS = { predict: 'households', issue: 'households', render: 'lists' }

interface RunFlags {
  date?: string
  out?: string
  threads?: string
  json?: boolean
}

export function registerCycleCommands(program: Command): void {
  const cycle = program.command('cycle').description('the biweekly list cycle: qualify, predict, allocate offers, issue and print lists')
  cycle
    .command('run')
    .description('run the cycle starting on --date (default: the unfinished one, else the next); resumes or repeats safely')
    .option('--date <date>', 'first day of the cycle, YYYY-MM-DD (chain-local)')
    .option('--out <dir>', 'directory for the PDFs, print files and manifest (default: out/<date>)')
    .option('--threads <n>', 'render threads (default: one per core; 0 = this thread)')
    .option('--json', 'print the summary as one JSON object instead of a line')
    .action(async (flags: RunFlags) => {
      if (flags.date !== undefined && !isIsoDate(flags.date)) throw new CliError(`--date must be a date YYYY-MM-DD, got '${flags.date}'`, 2)
      const threads = flags.threads === undefined ? undefined : parseThreads(flags.threads)
      const started = Date.now()
      const summary = await withRuntime('cycle', (rt) => runFromCli(rt, flags, threads))
      const secs = (Date.now() - started) / 1000
      process.stdout.write(flags.json ? `${JSON.stringify({ ...summary, seconds: secs })}\n` : `${summaryLine(summary, secs)}\n`)
    })
  cycle
    .command('status')
    .description('print a cycle (default: the newest) as JSON')
    .option('--date <date>', 'first day of the cycle, YYYY-MM-DD')
    .action(async (flags: { date?: string }) => {
      const row = await withRuntime('cycle', async (rt) => {
        const date = flags.date ?? (await rt.ctx.db.selectFrom('list_cycle').select('cycle_start').orderBy('cycle_start', 'desc').executeTakeFirst())?.cycle_start
        return date === undefined ? undefined : findCycle(rt.ctx.db, date)
      })
      if (!row) throw new CliError(flags.date ? `no cycle starts on ${flags.date}` : 'no cycle has run yet', 1)
      process.stdout.write(`${JSON.stringify(row)}\n`)
    })
}

function parseThreads(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new CliError(`--threads must be a whole number from 0 to 64, got '${v}'`, 2)
  return n
}

async function runFromCli(rt: CliRuntime, flags: RunFlags, threads: number | undefined): Promise<CycleSummary> {
  const date = flags.date ?? (await nextCycleStart(rt.ctx, { lengthDays: rt.config.cycle.lengthDays, timeZone: rt.config.storeTimeZone }))
  const bars = phaseBars(CYCLE_UNITS)
  try {
    return await runCycle(rt.ctx, {
      start: date,
      params: paramsFromConfig(rt.config, date, flags.out),
      outDir: flags.out,
      secret: await resolveCodeSecret(rt.config),
      threads,
      onProgress: bars.update,
    })
  } catch (err) {
    if (err instanceof LockBusyError) throw new CliError(`cycle ${date} is already being run by another process (advisory lock held); nothing done`, 3)
    throw err
  } finally {
    bars.stop()
  }
}

export function summaryLine(s: CycleSummary, secs: number): string {
  const skipped = s.skipped ? s.skipped.noPrediction + s.skipped.tooFewItems + s.skipped.noCardOrStore : 0
  return (
    `cycle ${s.cycleStart}..${s.cycleEnd}: qualified ${s.qualified}, control ${s.control}, lists ${s.lists} (new ${s.listsNew}), ` +
    `skipped ${skipped}, offers ${s.offers} ($${(s.offerCents / 100).toFixed(2)}), PDFs rendered ${s.rendered}, ` +
    `print files ${s.storeFiles.length} in ${secs.toFixed(1)} s → ${s.outDir}`
  )
}
