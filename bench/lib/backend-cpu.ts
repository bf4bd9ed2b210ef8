import { readFileSync } from 'node:fs'

/**
 * CPU time (user + system, ms) that PostgreSQL backends have used so far, read from /proc: only
 * when the server runs on this machine (embedded, or DATABASE_URL on localhost), else undefined.
 * On a busy machine CPU time is a steadier measure than wall time.
 */
export function backendCpuMs(pids: readonly number[]): number | undefined {
  let ticks = 0
  try {
    for (const pid of pids) {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    }
  } catch {
    return undefined
  }
  // USER_HZ is 100 on Linux
  return ticks * 10
}
