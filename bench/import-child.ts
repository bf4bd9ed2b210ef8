// One `importTransactionsFile` run in its own process, so that its peak RSS is its own.
// Usage (from bench/import.ts): DATABASE_URL=… node --import tsx bench/import-child.ts FILE SESSIONS
// Prints one JSON line: { ms, maxRssMb, nodeCpuMs, pgCpuMs, summary } (pgCpuMs: its backends' CPU
// time, when the server is on this machine).
import { loadConfig } from '../src/config.ts'
import { createDb } from '../src/db/database.ts'
import { sql } from 'kysely'
import { importTransactionsFile } from '../src/modules/imports/transactions.import.ts'
import { backendCpuMs } from './lib/backend-cpu.ts'
import { benchLog } from './lib/bench-db.ts'

const [file, sessions] = process.argv.slice(2)
const url = loadConfig().db.url
if (!file || !url) throw new Error('usage: DATABASE_URL=… import-child.ts FILE [SESSIONS]')
const { db } = createDb(url, benchLog, { poolSize: 4, appName: 'pantry-bench-import' })
try {
  const cpu0 = process.cpuUsage()
  const started = performance.now()
  const summary = await importTransactionsFile({ db, log: benchLog, now: () => new Date() }, file, {
    sessions: sessions ? Number(sessions) : undefined,
    progress: false,
  })
  const ms = performance.now() - started
  const cpu = process.cpuUsage(cpu0)
  const maxRssMb = process.resourceUsage().maxRSS / 1024
  // the import's sessions are back in the pool, still connected: their backends' CPU is all theirs
  const pids = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE application_name = 'pantry-bench-import'`.execute(db)
  const pgCpuMs = backendCpuMs(pids.rows.map((r) => r.pid))
  const nodeCpuMs = (cpu.user + cpu.system) / 1000
  process.stdout.write(`${JSON.stringify({ ms, maxRssMb, nodeCpuMs, pgCpuMs, summary: { ...summary, errors: summary.errors.slice(0, 5) } })}\n`)
} finally {
  await db.destroy()
}
