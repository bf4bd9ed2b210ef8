import type { Command } from 'commander'
import { configTable } from '../../config.ts'
import { createMigrator, unwrap } from '../../db/migrator.ts'
import { serve } from '../../server.ts'
import { withRuntime } from '../runtime.ts'

export function registerDbCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations (or undo the last one with --down)')
    .option('--down', 'undo the most recent migration')
    .action(async (opts: { down?: boolean }) => {
      await withRuntime(
        'migrate',
        async ({ conn }) => {
          const migrator = createMigrator(conn.db)
          const result = unwrap(opts.down ? await migrator.migrateDown() : await migrator.migrateToLatest())
          const applied = result.results ?? []
          for (const r of applied) process.stdout.write(`${r.direction.toLowerCase()} ${r.migrationName}\n`)
          if (applied.length === 0) process.stdout.write('database is up to date\n')
        },
        { migrate: false },
      )
    })

  program
    .command('serve')
    .description('run the HTTP API (PORT, HOST); migrates the database first')
    .action(async () => {
      await withRuntime('serve', serve, { handleSignals: false })
    })

  program
    .command('config')
    .description('print the environment variables Pantry reads, as a Markdown table')
    .action(() => {
      process.stdout.write(`${configTable()}\n`)
    })
}
