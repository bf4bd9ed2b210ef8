import type { Kysely } from 'kysely'
import type { DB } from './db/schema.ts'
import type { Log } from './logger.ts'

/** What every service function receives. `now` is injected so any past date can be replayed. */
export interface Ctx {
  readonly db: Kysely<DB>
  readonly log: Log
  readonly now: () => Date
}
