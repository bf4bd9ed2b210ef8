import { once } from 'node:events'
import { Command, Option } from 'commander'
import { CUSTOMER_SCOPES, type CustomerScope } from '../../modules/predictions/loyalty-rule.ts'
import { DEFAULT_SETTINGS, type HouseholdPrediction, isoToDay, type ModelSettings, predictLists } from '../../modules/predictions/predictions.service.ts'
import type { Config } from '../../config.ts'
import { CliError, withRuntime } from '../runtime.ts'

const CSV_HEADER = 'card_number,household_id,rank,sku,probability,expected_date,cycle_days,last_purchased\n'

/** Parses a positive integer option or fails with the option's name. */
export function positiveInt(name: string, max = 10_000): (v: string) => number {
  return (v: string) => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1 || n > max) throw new CliError(`${name} must be an integer from 1 to ${max}, got '${v}'`, 2)
    return n
  }
}

export function parseDay(name: string, v: string): number {
  const day = isoToDay(v)
  if (day === undefined) throw new CliError(`${name} must be a date YYYY-MM-DD, got '${v}'`, 2)
  return day
}

export function modelSettings(config: Config, opts: { horizonDays?: number; customers: CustomerScope }): ModelSettings {
  return { ...DEFAULT_SETTINGS, horizonDays: opts.horizonDays ?? config.cycle.lengthDays, customers: opts.customers, loyalty: config.loyalty }
}

function csvCell(v: string | number | null): string {
  const s = v === null ? '' : String(v)
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

function format(p: HouseholdPrediction, as: 'ndjson' | 'csv'): string {
  if (as === 'ndjson') return `${JSON.stringify(p)}\n`
  return p.items
    .map((it, i) => [p.cardNumber, p.householdId, i + 1, it.sku, it.probability, it.expectedDate, it.cycleDays, it.lastPurchased].map(csvCell).join(','))
    .map((line) => `${line}\n`)
    .join('')
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain')
}

interface PredictOpts {
  asOf: string
  horizonDays?: number
  top: number
  customers: CustomerScope
  format: 'ndjson' | 'csv'
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('predict, per household, the items it will buy in the window starting at --as-of (uses only data before it)')
    .requiredOption('--as-of <date>', 'first day of the window, YYYY-MM-DD (UTC); only transactions before it are used')
    .option('--horizon-days <n>', 'window length in days (default: PANTRY_CYCLE_DAYS)', positiveInt('--horizon-days', 366))
    .option('--top <n>', 'items per household', positiveInt('--top', 1000), 20)
    .addOption(new Option('--customers <scope>', 'loyal: opted in and above the weekly spend threshold; all: every card').choices(CUSTOMER_SCOPES).default('loyal'))
    .addOption(new Option('--format <format>', 'output format').choices(['ndjson', 'csv']).default('ndjson'))
    .action(async (opts: PredictOpts) => {
      const asOfDay = parseDay('--as-of', opts.asOf)
      const started = Date.now()
      const summary = await withRuntime('predict', async (rt) => {
        const settings = modelSettings(rt.config, opts)
        let households = 0
        let items = 0
        if (opts.format === 'csv') await write(CSV_HEADER)
        for await (const p of predictLists(rt.ctx, settings, asOfDay, opts.top)) {
          households += 1
          items += p.items.length
          await write(format(p, opts.format))
        }
        return { households, items }
      })
      const secs = ((Date.now() - started) / 1000).toFixed(1)
      process.stderr.write(`predict ${opts.asOf}: ${summary.households} households, ${summary.items} items (${secs} s)\n`)
    })
}
