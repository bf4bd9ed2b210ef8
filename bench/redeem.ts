// npm run bench:redeem [-- --lanes 200 --rate 2000 --seconds 8 --households 15000]
//
// 200 checkout lanes against a real `pantry serve` child process on a fresh database, each lane
// doing quote then commit on its own offer instances (distinct codes), over keep-alive HTTP:
//   paced      the target load (--rate redemptions/s spread over the lanes): latency at that load
//   saturated  every lane as fast as it can: the throughput ceiling
// The floor is measured the same two ways in the same run: GET /v1/redemptions/codes/:code, one
// indexed SELECT behind the same auth, at the same request rate (a redemption is two requests).
import type { ChildProcess } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { createApiKey } from '../src/modules/auth/api-keys.service.ts'
import { benchLog, createBenchDb, fmt, percentile } from './lib/bench-db.ts'
import { type CpuUse, startCpuMeter } from './lib/cpu-meter.ts'
import { Client } from './lib/lane-client.ts'
import { type BenchInstance, seedRedemption } from './lib/redeem-seed.ts'
import { startServer } from './lib/serve-child.ts'

const { values: args } = parseArgs({
  options: {
    lanes: { type: 'string', default: '200' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '8' },
    households: { type: 'string', default: '15000' },
  },
})
const LANES = Number(args.lanes)
const RATE = Number(args.rate)
const SECONDS = Number(args.seconds)
const SECRET = 'bench-redeem-secret-0123456789'
const shape = { stores: 20, households: Number(args.households), perList: 3, offers: 200, skus: 5000 }

interface Leg {
  name: string
  ops: number
  seconds: number
  /** Per request, ms. */
  latencies: number[]
  failures: number
  cpu?: CpuUse
}

const bdb = await createBenchDb(4)
let server: { child: ChildProcess; port: number } | undefined
// Interrupted: stop the server and drop the database (and the embedded server) all the same.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server?.child.kill('SIGTERM')
    void bdb.dispose().finally(() => process.exit(130))
  })
}
try {
  const ctx = { db: bdb.db, log: benchLog, now: () => new Date() }
  process.stderr.write('seeding lists and offer instances...\n')
  const pool = await seedRedemption(bdb, SECRET, shape, new Date())
  const key = await createApiKey(ctx, { role: 'pos', storeIds: Array.from({ length: shape.stores }, (_, i) => `S${i + 1}`) })
  server = await startServer(bdb.url, { PANTRY_CODE_SECRET: SECRET })
  const client = new Client(server.port, key, LANES)
  const lookups = pool.slice(0, 5000).map((x) => x.code)
  let next = 0
  const take = () => (next < pool.length ? pool[next++]! : undefined)
  await runLeg('warm-up', Math.min(LANES, 50), null, 2, () => redeemOnce(client, take))
  const legs: Leg[] = []
  const metered = async (run: () => Promise<Leg>) => {
    const meter = await startCpuMeter(bdb.db, server!.child.pid!)
    const leg = await run()
    leg.cpu = await meter.stop()
    legs.push(leg)
  }
  await metered(() => runLeg(`floor, paced ${fmt(2 * RATE)} req/s`, LANES, 2 * RATE, SECONDS, () => lookupOnce(client, lookups)))
  await metered(() => runLeg(`redeem, paced ${fmt(RATE)}/s`, LANES, RATE, SECONDS, () => redeemOnce(client, take)))
  await metered(() => runLeg('floor, saturated', LANES, null, SECONDS / 2, () => lookupOnce(client, lookups)))
  await metered(() => runLeg('redeem, saturated', LANES, null, SECONDS / 2, () => redeemOnce(client, take)))
  client.close()
  await verify(next)
  report(legs)
} finally {
  server?.child.kill('SIGTERM')
  await bdb.dispose()
}

/** One redemption: quote, then commit (2 requests). False when the instance was not redeemed. */
async function redeemOnce(client: Client, take: () => BenchInstance | undefined): Promise<{ ok: boolean; latencies: number[] } | null> {
  const inst = take()
  if (!inst) return null
  const lane = Math.floor(Math.random() * LANES)
  const body = {
    storeId: `S${1 + (lane % shape.stores)}`,
    lane: String(lane),
    items: basketAround(inst.sku),
    codes: [inst.code],
  }
  const q = await client.request('POST', '/v1/redemptions/quote', body)
  const c = await client.request('POST', '/v1/redemptions', { ...body, transactionId: `${inst.code}-tx` })
  const redeemed = c.status === 201 && (JSON.parse(c.body) as { redeemed: unknown[] }).redeemed.length === 1
  return { ok: q.status === 200 && redeemed, latencies: [q.ms, c.ms] }
}

async function lookupOnce(client: Client, codes: string[]): Promise<{ ok: boolean; latencies: number[] }> {
  const r = await client.request('GET', `/v1/redemptions/codes/${codes[Math.floor(Math.random() * codes.length)]}`)
  return { ok: r.status === 200, latencies: [r.ms] }
}

/** The offer's item among 19 others, as a basket scanned so far. */
function basketAround(sku: string) {
  const items = [{ sku, quantity: 1, unitPriceCents: 299 }]
  for (let i = 0; i < 19; i++) items.push({ sku: String(100000 + Math.floor(Math.random() * shape.skus)), quantity: 1, unitPriceCents: 99 + i * 17 })
  return items
}

/**
 * Runs `op` on `lanes` concurrent lanes for `seconds`: paced at `rate` ops/s in total (each lane on
 * its own schedule, so a slow answer delays only its lane), or back to back when rate is null.
 */
async function runLeg(
  name: string,
  lanes: number,
  rate: number | null,
  seconds: number,
  op: () => Promise<{ ok: boolean; latencies: number[] } | null>,
): Promise<Leg> {
  const leg: Leg = { name, ops: 0, seconds: 0, latencies: [], failures: 0 }
  const started = performance.now()
  const end = started + seconds * 1000
  const interval = rate === null ? 0 : (lanes / rate) * 1000
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let k = 0; ; k++) {
        const at = started + (lane / lanes) * interval + k * interval
        if (at >= end || performance.now() >= end) return
        const wait = at - performance.now()
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
        const r = await op()
        if (r === null) return
        leg.ops++
        if (!r.ok) leg.failures++
        for (const ms of r.latencies) leg.latencies.push(ms)
      }
    }),
  )
  leg.seconds = (performance.now() - started) / 1000
  leg.latencies.sort((a, b) => a - b)
  return leg
}

/** Every instance taken was redeemed exactly once, and nothing else was. */
async function verify(taken: number): Promise<void> {
  const r = await sql<{ lines: number; codes: number; held: number }>`
    SELECT (SELECT count(*)::int FROM redemption_line) AS lines,
           (SELECT count(DISTINCT code)::int FROM redemption_line) AS codes,
           (SELECT count(*)::int FROM offer_instance WHERE redeemed_at IS NOT NULL) AS held`.execute(bdb.db)
  const { lines, codes, held } = r.rows[0]!
  if (lines !== codes || held !== lines || lines !== taken) throw new Error(`expected ${taken} redemptions once each; lines ${lines}, distinct ${codes}, held ${held}`)
}


function report(legs: Leg[]): void {
  console.log(`\nbench:redeem — ${LANES} lanes, quote + commit per redemption, distinct instances (${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)})\n`)
  console.log('leg                               ops/s    req/s   p50 ms   p99 ms  failed   CPU ms/op: server     db  client')
  for (const l of legs) {
    const perOp = l.latencies.length / Math.max(1, l.ops)
    const row = [fmt(l.ops / l.seconds).padStart(8), fmt((l.ops * perOp) / l.seconds).padStart(8), fmt(percentile(l.latencies, 50), 1).padStart(8), fmt(percentile(l.latencies, 99), 1).padStart(8), String(l.failures).padStart(7)]
    const cpu = l.cpu ? [l.cpu.serverMs, l.cpu.dbMs, l.cpu.clientMs].map((ms) => fmt(ms / Math.max(1, l.ops), 2).padStart(7)).join('') : ''
    console.log(`${l.name.padEnd(30)} ${row.join(' ')}          ${cpu}`)
  }
  const [floorPaced, paced, floorMax, max] = legs as [Leg, Leg, Leg, Leg]
  const p99 = percentile(paced.latencies, 99)
  const rate = max.ops / max.seconds
  console.log(`\nredemptions at the paced load: p99 ${fmt(p99, 1)} ms (target ≤ 20; floor ${fmt(percentile(floorPaced.latencies, 99), 1)} ms) ${p99 <= 20 ? 'OK' : 'MISSED'}`)
  console.log(`saturated: ${fmt(rate)} redemptions/s = ${fmt((2 * rate * 100) / (floorMax.ops / floorMax.seconds))}% of the floor's request rate (target ≥ 2,000/s) ${rate >= 2000 ? 'OK' : 'MISSED'}`)
  const cost = (l: Leg) => (l.cpu ? (l.cpu.serverMs + l.cpu.dbMs) / Math.max(1, l.ops) : Number.NaN)
  const cores = cpus().length
  console.log(
    `CPU (server + db) per redemption ${fmt(cost(max), 2)} ms = ${fmt(cost(max) / (2 * cost(floorMax)), 1)}× two floor requests; ` +
      `all ${cores} cores to itself, the service would top out near ${fmt((cores * 1000) / cost(max))} redemptions/s (floor ${fmt((cores * 1000) / cost(floorMax))} req/s)`,
  )
}
