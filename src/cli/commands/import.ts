import type { Command } from 'commander'
import type { Ctx } from '../../context.ts'
import { importProductsFile } from '../../modules/catalog/catalog.import.ts'
import { importHouseholdsFile } from '../../modules/households/households.import.ts'
import { type ImportOptions, type ImportSummary, summaryLine } from '../../modules/imports/import-report.ts'
import { importTransactionsFile } from '../../modules/imports/transactions.import.ts'
import { importOffersFile, OFFERS_HEADER } from '../../modules/offers/offers.import.ts'
import { CliError, withRuntime } from '../runtime.ts'

type Importer = (ctx: Ctx, file: string, opts: ImportOptions) => Promise<ImportSummary>

const KINDS: Record<string, { importer: Importer; header: string }> = {
  products: { importer: importProductsFile, header: 'sku,name,brand,brand_type,category,subcategory,size,price' },
  households: { importer: importHouseholdsFile, header: 'card_number,household_id,name,email,postal_code,opted_in' },
  transactions: {
    importer: importTransactionsFile,
    header: 'transaction_id,store_id,lane,card_number,occurred_at,sku,quantity,unit_price,discount',
  },
  offers: { importer: importOffersFile, header: OFFERS_HEADER.join(',') },
}

const MAX_ERRORS_SHOWN = 50

export function registerImportCommands(program: Command): void {
  const cmd = program.command('import').description('bulk-import CSV files (optionally .gz); re-importing a file changes nothing')
  for (const [kind, { importer, header }] of Object.entries(KINDS)) {
    cmd
      .command(`${kind} <file>`)
      .description(`import ${kind} from a CSV with the header: ${header}`)
      .option('--strict', 'commit nothing if any row is bad (default: skip bad rows and report them)')
      .action(async (file: string, opts: { strict?: boolean }) => {
        const started = Date.now()
        const summary = await withRuntime(`import ${kind}`, (rt) => importer(rt.ctx, file, { strict: opts.strict }))
        for (const e of summary.errors.slice(0, MAX_ERRORS_SHOWN)) process.stderr.write(`${file}:${e.line}: ${e.reason}\n`)
        const shown = Math.min(summary.errors.length, MAX_ERRORS_SHOWN)
        if (summary.rejected > shown) process.stderr.write(`… and ${summary.rejected - shown} more bad rows\n`)
        process.stdout.write(`${summaryLine(kind, summary, Date.now() - started)}\n`)
        if (opts.strict && summary.rejected > 0) throw new CliError(`--strict: ${summary.rejected} bad rows, nothing was imported`, 1)
      })
  }
}
