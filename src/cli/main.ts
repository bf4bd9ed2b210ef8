import { Command } from 'commander'
import { registerDbCommands } from './commands/db.ts'
import { registerImportCommands } from './commands/import.ts'
import { registerKeyCommands } from './commands/keys.ts'
import { registerStatsCommand } from './commands/stats.ts'
import { registerSeedCommand } from './commands/seed.ts'
import { registerPredictCommand } from './commands/predict.ts'
import { registerBacktestCommand } from './commands/backtest.ts'
import { registerCycleCommands } from './commands/cycle.ts'
import { registerListsCommands } from './commands/lists.ts'
import { registerDemoCommand } from './commands/demo.ts'
import { reportCliError } from './runtime.ts'

const program = new Command('pantry')
  .description('Pantry: personalized biweekly shopping lists and offers for grocery chains')
  .showHelpAfterError()
  .exitOverride()

registerDbCommands(program)
registerKeyCommands(program)
registerImportCommands(program)
registerStatsCommand(program)
registerSeedCommand(program)
registerPredictCommand(program)
registerBacktestCommand(program)
registerCycleCommands(program)
registerListsCommands(program)
registerDemoCommand(program)

try {
  await program.parseAsync(process.argv)
} catch (err) {
  const code = (err as { code?: string }).code
  if (typeof code === 'string' && code.startsWith('commander.')) {
    process.exitCode = code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : 2
  } else {
    process.exitCode = reportCliError(err)
  }
}
