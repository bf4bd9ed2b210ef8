import type { FastifyInstance } from 'fastify'
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.ts'
import { dbUnavailable } from '../errors.ts'

/** /healthz: the process is up. /readyz: it can reach its database (for load balancers). */
export async function healthRoutes(app: FastifyInstance, opts: { db: Kysely<DB> }) {
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async () => {
    try {
      await sql`SELECT 1`.execute(opts.db)
    } catch (err) {
      throw dbUnavailable(err)
    }
    return { status: 'ready' }
  })
}
