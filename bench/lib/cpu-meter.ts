import { readFileSync } from 'node:fs'
import { type Kysely, sql } from 'kysely'
import type { DB } from '../../src/db/schema.ts'

// CPU time spent by the server process, the database backends and this client during a leg. On a
// machine shared with other work, throughput and latency move with the neighbours' load; CPU time
// per operation barely does, so it is the steadier figure to compare with the floor.

const TICKS_PER_SECOND = 100

/** CPU time (ms) process `pid` has used so far, from /proc (Linux); NaN where unavailable. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}

export interface CpuUse {
  readonly serverMs: number
  readonly dbMs: number
  readonly clientMs: number
}

/** Starts measuring; `stop()` answers what was used since. Backends that appear meanwhile count in full. */
export async function startCpuMeter(db: Kysely<DB>, serverPid: number): Promise<{ stop(): Promise<CpuUse> }> {
  const backends = async () => {
    const r = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(db)
    return new Map(r.rows.map((x) => [x.pid, processCpuMs(x.pid)]))
  }
  const before = await backends()
  const server = processCpuMs(serverPid)
  const client = process.cpuUsage()
  return {
    async stop() {
      const after = await backends()
      let dbMs = 0
      for (const [pid, ms] of after) dbMs += ms - (before.get(pid) ?? 0)
      const c = process.cpuUsage(client)
      return { serverMs: processCpuMs(serverPid) - server, dbMs, clientMs: (c.user + c.system) / 1000 }
    },
  }
}
