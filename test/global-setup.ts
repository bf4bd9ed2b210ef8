import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { createDb } from '../src/db/database.ts'
import { startEmbedded } from '../src/db/embedded.ts'
import { migrateToLatest } from '../src/db/migrator.ts'
import { createLogger } from '../src/logger.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of a maintenance database on the test server (used to create/drop DBs). */
    adminUrl: string
    /** Name of the migrated template database that each test file clones. */
    templateDb: string
  }
}

/**
 * Tests run on real PostgreSQL: the server in DATABASE_URL when set (CI runs both ways), otherwise
 * an embedded server started from an empty data directory, exactly as a new user's first run.
 */
export default async function setup(project: TestProject) {
  const log = createLogger({ log: { level: 'silent', pretty: false } })
  let embeddedDir: string | undefined
  let stopEmbedded = async () => {}
  let adminUrl = process.env.DATABASE_URL
  if (!adminUrl) {
    embeddedDir = await mkdtemp(path.join(tmpdir(), 'pantry-test-'))
    const server = await startEmbedded(embeddedDir, log)
    adminUrl = server.url
    stopEmbedded = server.stop
  }
  const templateDb = `pantry_tpl_${process.pid}`
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${templateDb}`)
  await adminQuery(adminUrl, `CREATE DATABASE ${templateDb}`)
  const tpl = createDb(withDatabase(adminUrl, templateDb), log, { poolSize: 1 })
  await migrateToLatest(tpl.db)
  await tpl.db.destroy()
  project.provide('adminUrl', adminUrl)
  project.provide('templateDb', templateDb)
  return async () => {
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${templateDb} WITH (FORCE)`)
    await stopEmbedded()
    if (embeddedDir) await rm(embeddedDir, { recursive: true, force: true })
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

export async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}
