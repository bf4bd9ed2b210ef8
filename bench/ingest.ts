// npm run bench:ingest [-- --baskets 8000 --clients 32 --batch-clients 4 --legs single,batch]
//
// Loads the same realistic baskets (~30 lines each) into a fresh database three ways and compares
// each with a plain COPY of the same rows into the same schema, measured in the same run:
//   COPY (floor) · HTTP single baskets (a lane posting live) · HTTP batches of 100 (a store catching up)
// The API runs as a real `pantry serve` child process; the clients are keep-alive HTTP connections in
// this one (bench/lib/lane-socket.ts: a lean client, as the load generator shares the server's cores).
// Besides wall-clock rates it reports CPU time per 1,000 lines (server process, PostgreSQL backends,
// this client) from /proc, and the load average: on a shared machine CPU per line is the steadier
// figure, and the ratio of CPU per line is what the wall-clock ratio tends to on an idle machine.
import { loadavg } from 'node:os'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { from as copyFrom } from 'pg-copy-streams'
import { createApiKey } from '../src/modules/auth/api-keys.service.ts'
import { type BenchDb, benchLog, createBenchDb, fmt, percentile } from './lib/bench-db.ts'
import { type BenchBasket, makeBaskets } from './lib/baskets.ts'
import { type CpuUse, startCpuMeter } from './lib/cpu-meter.ts'
import { LaneSocket } from './lib/lane-socket.ts'
import { startServer } from './lib/serve-child.ts'

const { values: args } = parseArgs({
  options: {
    baskets: { type: 'string', default: '8000' },
    clients: { type: 'string', default: '32' },
    'batch-clients': { type: 'string', default: '4' },
    'batch-size': { type: 'string', default: '100' },
    legs: { type: 'string', default: 'single,batch' },
  },
})
const N = Number(args.baskets)
const shape = { stores: 20, cards: 20_000, skus: 5_000 }

interface Leg {
  name: string
  lines: number
  seconds: number
  latencies?: number[]
  cpu: CpuUse
  load: number
}
const legsWanted = new Set(args.legs.split(','))

const bdb = await createBenchDb(4)
try {
  const ctx = { db: bdb.db, log: benchLog, now: () => new Date() }
  const baskets = makeBaskets(N, shape)
  const lineCount = baskets.reduce((s, b) => s + b.items.length, 0)
  // Known catalog and cards, as in a running chain: the same starting state for every leg.
  await seedReferenceData(bdb)
  const key = await createApiKey(ctx, { role: 'pos', storeIds: Array.from({ length: shape.stores }, (_, i) => `S${i + 1}`) })

  const legs: Leg[] = []
  await resetLines(bdb)
  legs.push(await copyLeg(bdb, baskets, lineCount))
  const server = await startServer(bdb.url)
  try {
    const pid = server.child.pid!
    if (legsWanted.has('single')) {
      await resetLines(bdb)
      legs.push(await httpLeg(bdb, pid, 'HTTP single baskets', server.port, key, baskets.map((b) => JSON.stringify(b)), lineCount, Number(args.clients)))
    }
    if (legsWanted.has('batch')) {
      await resetLines(bdb)
      const size = Number(args['batch-size'])
      const batches: string[] = []
      for (let i = 0; i < baskets.length; i += size) batches.push(JSON.stringify({ transactions: baskets.slice(i, i + size) }))
      legs.push(await httpLeg(bdb, pid, `HTTP batches of ${size}`, server.port, key, batches, lineCount, Number(args['batch-clients'])))
    }
  } finally {
    server.child.kill('SIGTERM')
  }
  const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM transaction_line`.execute(bdb.db)
  if (stored.rows[0]!.n !== lineCount) throw new Error(`expected ${lineCount} lines stored, found ${stored.rows[0]!.n}`)
  report(legs, N, lineCount)
} finally {
  await bdb.dispose()
}

async function seedReferenceData(db: BenchDb): Promise<void> {
  await sql`INSERT INTO product (sku, name) SELECT (100000 + g)::text, 'Item ' || g FROM generate_series(0, ${shape.skus}) g ON CONFLICT DO NOTHING`.execute(db.db)
  await sql`INSERT INTO household (external_id, opted_in) SELECT 'H' || g, true FROM generate_series(0, ${shape.cards}) g`.execute(db.db)
  await sql`INSERT INTO loyalty_card (card_number, household_id) SELECT (4000000 + g)::text, h.id FROM generate_series(0, ${shape.cards}) g JOIN household h ON h.external_id = 'H' || g`.execute(db.db)
  await sql`INSERT INTO store (id) SELECT 'S' || g FROM generate_series(1, ${shape.stores}) g ON CONFLICT DO NOTHING`.execute(db.db)
  await sql`ANALYZE`.execute(db.db)
}

async function resetLines(db: BenchDb): Promise<void> {
  await sql`TRUNCATE pos_transaction, transaction_line`.execute(db.db)
  await sql`CHECKPOINT`.execute(db.db).catch(() => {})
}

/** The floor: the same headers and lines written with COPY into the same tables and indexes. */
async function copyLeg(db: BenchDb, baskets: BenchBasket[], lineCount: number): Promise<Leg> {
  const cards = new Map((await db.db.selectFrom('loyalty_card').select(['card_number', 'household_id']).execute()).map((r) => [r.card_number, r.household_id]))
  for (const b of baskets) await sql`SELECT pantry_ensure_line_partition(${b.occurredAt}::timestamptz)`.execute(db.db)
  const client = await db.pool.connect()
  try {
    const meter = await startCpuMeter(db.db, Number.NaN)
    const started = performance.now()
    await client.query('BEGIN')
    const ids: number[] = []
    const first = await client.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('pos_transaction', 'id')) AS id FROM generate_series(1, $1)`, [baskets.length])
    for (const r of first.rows) ids.push(r.id)
    await pipeline(
      Readable.from(baskets.map((b, i) => `${ids[i]}\t${b.storeId}\t${b.id}\t${b.lane}\t${b.cardNumber ?? '\\N'}\t${b.cardNumber ? cards.get(b.cardNumber) : 0}\t${b.occurredAt}\t${b.items.length}\t0\tx\tapi\n`)),
      client.query(copyFrom('COPY pos_transaction (id, store_id, pos_transaction_id, lane, card_number, household_id, occurred_at, line_count, total_cents, content_hash, source) FROM STDIN')),
    )
    await pipeline(
      Readable.from(linesTsv(baskets, ids, cards)),
      client.query(copyFrom('COPY transaction_line (household_id, occurred_at, transaction_id, line_no, sku, quantity, unit_price_cents, discount_cents) FROM STDIN')),
    )
    await client.query('COMMIT')
    const seconds = (performance.now() - started) / 1000
    return { name: 'COPY (floor)', lines: lineCount, seconds, cpu: await meter.stop(), load: loadavg()[0]! }
  } finally {
    client.release()
  }
}

function* linesTsv(baskets: BenchBasket[], ids: number[], cards: Map<string, number>): Generator<string> {
  let chunk = ''
  for (let i = 0; i < baskets.length; i++) {
    const b = baskets[i]!
    const h = b.cardNumber ? cards.get(b.cardNumber) : 0
    b.items.forEach((it, n) => {
      chunk += `${h}\t${b.occurredAt}\t${ids[i]}\t${n + 1}\t${it.sku}\t${it.quantity}\t${it.unitPriceCents}\t${it.discountCents ?? 0}\n`
    })
    if (chunk.length > 1 << 16) {
      yield chunk
      chunk = ''
    }
  }
  if (chunk) yield chunk
}

async function httpLeg(db: BenchDb, serverPid: number, name: string, port: number, key: string, bodies: string[], lineCount: number, clients: number): Promise<Leg> {
  // One keep-alive connection per lane (or store server), each posting and waiting for the answer.
  const lanes = await Promise.all(Array.from({ length: clients }, () => LaneSocket.open(port, { authorization: `Bearer ${key}` })))
  const latencies: number[] = []
  let next = 0
  const meter = await startCpuMeter(db.db, serverPid)
  const started = performance.now()
  await Promise.all(
    lanes.map(async (lane) => {
      while (next < bodies.length) {
        const body = bodies[next++]!
        const t0 = performance.now()
        const { status } = await lane.post('/v1/transactions', body)
        latencies.push(performance.now() - t0)
        if (status !== 200 && status !== 201) throw new Error(`${name}: HTTP ${status}`)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const cpu = await meter.stop()
  for (const lane of lanes) lane.close()
  return { name, lines: lineCount, seconds, latencies: latencies.sort((a, b) => a - b), cpu, load: loadavg()[0]! }
}

function report(legs: Leg[], baskets: number, lines: number): void {
  const floor = legs[0]!
  const floorRate = floor.lines / floor.seconds
  console.log(`\nbench:ingest — ${fmt(baskets)} baskets, ${fmt(lines)} lines (~${fmt(lines / baskets, 1)} per basket)\n`)
  const perK = (ms: number, l: Leg) => (Number.isNaN(ms) ? '-' : fmt((ms / l.lines) * 1000, 1))
  const cpuOf = (l: Leg) => (Number.isNaN(l.cpu.serverMs) ? 0 : l.cpu.serverMs) + l.cpu.dbMs
  console.log('                                                             CPU ms per 1,000 lines')
  console.log('leg                        lines/s    p50 ms   p99 ms   vs COPY   server       db   client  vs COPY   load')
  for (const l of legs) {
    const rate = l.lines / l.seconds
    const p50 = l.latencies ? fmt(percentile(l.latencies, 50), 1) : '-'
    const p99 = l.latencies ? fmt(percentile(l.latencies, 99), 1) : '-'
    // COPY's CPU is its backend plus this process formatting rows; the HTTP legs' is server plus backends.
    const floorCpu = floor.cpu.dbMs + floor.cpu.clientMs
    const cpu = l === floor ? floorCpu : cpuOf(l)
    console.log(
      `${l.name.padEnd(24)} ${fmt(rate).padStart(9)} ${p50.padStart(9)} ${p99.padStart(8)} ${fmt((rate / floorRate) * 100).padStart(8)}%` +
        ` ${perK(l.cpu.serverMs, l).padStart(8)} ${perK(l.cpu.dbMs, l).padStart(8)} ${perK(l.cpu.clientMs, l).padStart(8)} ${fmt((floorCpu / cpu) * 100).padStart(7)}%  ${fmt(l.load, 2).padStart(5)}`,
    )
  }
}
