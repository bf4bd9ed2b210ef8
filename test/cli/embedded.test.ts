import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, startCli } from '../helpers/cli.ts'

// The embedded default, exactly as a new user meets it: no DATABASE_URL, an empty data directory.
const dataDir = await mkdtemp(path.join(tmpdir(), 'pantry-embedded-'))
afterAll(() => rm(dataDir, { recursive: true, force: true }))
const env = { PANTRY_DATA_DIR: dataDir }

describe('embedded PostgreSQL (no DATABASE_URL)', () => {
  it('starts from an empty data dir; processes starting at once share it', async () => {
    // three: one starts the server, the others attach, one of them perhaps while the owner is done
    const runs = await Promise.all([1, 2, 3].map(() => runCli(['stats', '--json'], env)))
    for (const r of runs) {
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(Object.keys(JSON.parse(r.stdout))).toEqual(expect.arrayContaining(['stores', 'products', 'households', 'transactions', 'lines']))
    }
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true)
    // Stopped cleanly on exit: no server left running.
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false)
  })

  it('lets CLI commands attach to a running server, which stops cleanly on SIGTERM', async () => {
    const port = await freePort()
    const server = startCli(['serve'], { ...env, PORT: String(port) })
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok)
      const key = await runCli(['keys', 'create', '--role', 'pos', '--store', 'S1'], env)
      expect(key.code).toBe(0)
      expect(key.stdout).toMatch(/^pantry_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/)
      const res = await fetch(`http://127.0.0.1:${port}/v1/transactions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.stdout.trim()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'T1', storeId: 'S1', lane: 1, occurredAt: '2026-01-05T10:00:00-06:00', items: [{ sku: '1', quantity: 1, unitPriceCents: 100 }] }),
      })
      expect(res.status).toBe(201)
      const stats = await runCli(['stats', '--json'], env)
      expect(JSON.parse(stats.stdout)).toMatchObject({ transactions: 1, lines: 1 })
      const pid = Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0])
      server.kill('SIGTERM')
      const [code] = await once(server, 'exit')
      expect(code).toBe(0)
      await waitFor(async () => !isAlive(pid), 5_000)
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL')
    }
  })
})

/** A live process (a zombie waiting to be reaped counts as gone). */
function isAlive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return false
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

async function waitFor(check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > until) throw new Error('timed out waiting for the server')
    await new Promise((r) => setTimeout(r, 100))
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}
