import type { Command } from 'commander'
import { countAll } from '../../modules/stats/stats.repository.ts'
import { withRuntime } from '../runtime.ts'

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description('print counts of what the database holds')
    .option('--json', 'print one JSON object (keys: stores, products, households, transactions, lines, ...)')
    .action(async (opts: { json?: boolean }) => {
      const counts = await withRuntime('stats', (rt) => countAll(rt.ctx.db))
      if (opts.json) process.stdout.write(`${JSON.stringify(counts)}\n`)
      else for (const [k, v] of Object.entries(counts)) process.stdout.write(`${k.padEnd(20)} ${v}\n`)
    })
}
