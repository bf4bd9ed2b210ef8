import type { FastifyInstance } from 'fastify'
import { afterAll } from 'vitest'
import { buildApp } from '../../src/app.ts'
import type { Role } from '../../src/db/schema.ts'
import { createApiKey } from '../../src/modules/auth/api-keys.service.ts'
import { type TestDb, testLog } from './db.ts'
import { TEST_CODE_SECRET } from './factories.ts'

export async function buildTestApp(tdb: TestDb, opts: { bodyLimit?: number; now?: () => Date } = {}): Promise<FastifyInstance> {
  const redemption = { codeSecret: TEST_CODE_SECRET, timeZone: 'America/Chicago' }
  const app = await buildApp({ db: tdb.db, log: testLog, bodyLimit: opts.bodyLimit, now: opts.now, redemption })
  afterAll(() => app.close())
  return app
}

/** Creates a key and returns the Authorization header for it. */
export async function authHeader(tdb: TestDb, role: Role, storeIds: string[] = []): Promise<{ authorization: string }> {
  const key = await createApiKey(tdb.ctx, { role, storeIds })
  return { authorization: `Bearer ${key}` }
}
