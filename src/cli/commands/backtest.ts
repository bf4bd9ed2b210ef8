import { writeFile } from 'node:fs/promises'
import cliProgress from 'cli-progress'
import { type Command, Option } from 'commander'
import { type BacktestReport, runBacktest } from '../../modules/predictions/backtest.service.ts'
import { CUSTOMER_SCOPES, type CustomerScope } from '../../modules/predictions/loyalty-rule.ts'
import { CliError, withRuntime } from '../runtime.ts'
import { modelSettings, parseDay, positiveInt } from './predict.ts'

interface BacktestOpts {
  from: string
  to: string
  every: number
  horizonDays?: number
  customers: CustomerScope
  report?: string
  json?: boolean
}

const f = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '—' : v.toFixed(digits))

/** The human-readable summary: ranking table, differences with 95 % intervals, calibration. */
export function formatReport(r: BacktestReport): string {
  const out: string[] = []
  out.push(`backtest ${r.from} → ${r.to} every ${r.everyDays} d, window ${r.horizonDays} d, customers ${r.customers}`)
  out.push(`cutoffs ${r.cutoffs.length}${r.skippedCutoffs.length ? ` (skipped, window past the data: ${r.skippedCutoffs.join(' ')})` : ''}; household-cutoffs scored ${r.households.scored}, evaluated (bought in window) ${r.households.evaluated}, fell off ${r.households.lapsed} (of which shopped ${r.households.lapsedThatShopped})`)
  out.push('')
  out.push(`${'model'.padEnd(20)}${['R@10', 'R@20', 'P@10', 'NDCG@10', 'HR@10', 'Rrep@10', 'Rnew@10'].map((h) => h.padStart(9)).join('')}`)
  for (const [m, v] of Object.entries(r.ranking)) {
    out.push(`${m.padEnd(20)}${[v.recall10, v.recall20, v.precision10, v.ndcg10, v.hit10, v.recallRepeat10, v.recallNew10].map((x) => f(x).padStart(9)).join('')}`)
  }
  out.push('')
  out.push('difference from p-topfreq, mean [95% household-bootstrap interval] (relative)')
  for (const [m, d] of Object.entries(r.differencesFromPTopFreq)) {
    const cells = Object.entries(d).map(([k, x]) => `${k} ${x.mean >= 0 ? '+' : ''}${f(x.mean)} [${f(x.lo)}, ${f(x.hi)}] (${x.relative === null ? '—' : `${(100 * x.relative).toFixed(1)}%`})`)
    out.push(`  ${m}: ${cells.join('; ')}`)
  }
  const c = r.calibration
  out.push('')
  out.push(`calibration over ${c.pairs} pairs: Brier ${f(c.brier)} (raw ${f(c.raw.brier)}), log-loss ${f(c.logLoss)} (raw ${f(c.raw.logLoss)})`)
  out.push(`ECE ${f(c.ece)} (10 equal-width bins), ${f(c.eceEqualCount)} (10 equal-count bins); reliability by width:`)
  out.push(`  ${'mean p'.padStart(8)}${'observed'.padStart(10)}${'pairs'.padStart(10)}`)
  for (const b of c.reliability) out.push(`  ${f(b.meanPredicted).padStart(8)}${f(b.observedRate).padStart(10)}${String(b.pairs).padStart(10)}`)
  const e = r.expectedDate
  out.push('')
  out.push(`expected date (listed items re-bought within ${e.followDays} d, ${e.pairs} pairs): MAE ${f(e.maeDays, 2)} d; last + own mean gap ${f(e.maeDaysLastPlusOwnMeanGap, 2)} d`)
  return `${out.join('\n')}\n`
}

export function registerBacktestCommand(program: Command): void {
  program
    .command('backtest')
    .description('rolling-origin evaluation of the model and baselines on the data in the database')
    .requiredOption('--from <date>', 'first cutoff, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last cutoff, YYYY-MM-DD')
    .option('--every <days>', 'days between cutoffs', positiveInt('--every', 366), 14)
    .option('--horizon-days <n>', 'window length in days (default: PANTRY_CYCLE_DAYS)', positiveInt('--horizon-days', 366))
    .addOption(new Option('--customers <scope>', 'population evaluated').choices(CUSTOMER_SCOPES).default('loyal'))
    .option('--report <file>', 'also write the full JSON report to this file')
    .option('--json', 'print the JSON report to stdout instead of the table')
    .action(async (opts: BacktestOpts) => {
      const fromDay = parseDay('--from', opts.from)
      const toDay = parseDay('--to', opts.to)
      if (toDay < fromDay) throw new CliError('--to must not be before --from', 2)
      const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'backtest [{bar}] {value}/{total} cutoffs | {asOf}', stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined
      const started = Date.now()
      const report = await withRuntime('backtest', (rt) =>
        runBacktest(rt.ctx, modelSettings(rt.config, opts), { fromDay, toDay, everyDays: opts.every }, (done, total, asOf) => {
          if (done === 1) bar?.start(total, 0, { asOf })
          bar?.update(done, { asOf })
        }),
      )
      bar?.stop()
      if (opts.report) await writeFile(opts.report, `${JSON.stringify(report, null, 2)}\n`)
      process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : formatReport(report))
      process.stderr.write(`backtest: ${report.cutoffs.length} cutoffs, ${report.households.evaluated} household-cutoffs evaluated (${((Date.now() - started) / 1000).toFixed(1)} s)\n`)
    })
}
