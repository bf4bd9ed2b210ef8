import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'
import { createDb, type Database } from './database.ts'
import { startEmbedded } from './embedded.ts'

export interface Connection extends Database {
  close(): Promise<void>
}

/**
 * The one code path to a database: DATABASE_URL when set, else the embedded server in the data
 * directory. Either way the rest of Pantry sees the same pg pool and Kysely instance.
 */
export async function connect(config: Config, log: Logger, appName = 'pantry'): Promise<Connection> {
  const embedded = config.db.url ? undefined : await startEmbedded(config.dataDir, log)
  const url = config.db.url ?? embedded!.url
  const database = createDb(url, log, { poolSize: config.db.poolSize, appName })
  return {
    ...database,
    async close() {
      await database.db.destroy()
      await embedded?.stop()
    },
  }
}
