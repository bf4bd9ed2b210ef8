import { once } from 'node:events'
import { type Command, Option } from 'commander'
import { isIsoDate } from '../../modules/cycle/cycle-dates.ts'
import { cycleExists, exportLists } from '../../modules/cycle/lists-export.ts'
import { CliError, withRuntime } from '../runtime.ts'

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain')
}

export function registerListsCommands(program: Command): void {
  const lists = program.command('lists').description('issued lists')
  lists
    .command('export')
    .description('print the lists issued in a cycle, one JSON object per line (listCode, cardNumber, householdId, storeId, items, offers)')
    .requiredOption('--cycle <date>', 'first day of the cycle, YYYY-MM-DD')
    .addOption(new Option('--format <format>', 'output format').choices(['ndjson']).default('ndjson'))
    .action(async (opts: { cycle: string; format: 'ndjson' }) => {
      if (!isIsoDate(opts.cycle)) throw new CliError(`--cycle must be a date YYYY-MM-DD, got '${opts.cycle}'`, 2)
      const n = await withRuntime('lists', async (rt) => {
        if (!(await cycleExists(rt.ctx, opts.cycle))) throw new CliError(`no cycle starts on ${opts.cycle}`, 1)
        let count = 0
        for await (const line of exportLists(rt.ctx, opts.cycle)) {
          await write(`${JSON.stringify(line)}\n`)
          count++
        }
        return count
      })
      process.stderr.write(`lists export ${opts.cycle}: ${n} lists\n`)
    })
}
