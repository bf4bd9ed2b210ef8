import v8 from 'node:v8'
import vm from 'node:vm'
import { sql } from 'kysely'
import type { Ctx } from '../src/context.ts'
import { DEFAULT_SETTINGS, isoToDay, predictLists } from '../src/modules/predictions/predictions.service.ts'
import { seedDatabase } from '../src/modules/seed/seed.service.ts'
import { benchLog, createBenchDb } from './lib/bench-db.ts'

// `npm run bench:predict [-- --only-1x] [-- --households N]`: seeds N households (default 2,000)
// × 540 days (about 1.7 M lines) through the real importers into a fresh database, then runs
// `pantry predict` for every household (scope all, top 20) at the day after the data ends. The
// floor, measured in the same run, is one plain aggregate over the same lines the model reads:
// SELECT household_id, sku, count(*) … GROUP BY 1, 2. Then the same at 10× the households, to
// check that time scales about linearly (≤ 12×) and memory stays flat.

// A full GC before measuring, so the seeding's garbage is not counted as the prediction's memory
// (works without --expose-gc on the command line).
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

const args = process.argv.slice(2)
const only1x = args.includes('--only-1x')
const hIdx = args.indexOf('--households')
const BASE = hIdx >= 0 ? Number(args[hIdx + 1]) : 2000
const DAYS = 540
const END = '2026-11-01'
const AS_OF = isoToDay(END)!

interface Result {
  households: number
  lines: number
  seedS: number
  floorS: number
  predictS: number
  predicted: number
  peakRssMb: number
  peakHeapMb: number
}

function memoryProbe() {
  let rss = 0
  let heap = 0
  const sample = () => {
    const m = process.memoryUsage()
    rss = Math.max(rss, m.rss)
    heap = Math.max(heap, m.heapUsed)
  }
  const timer = setInterval(sample, 50)
  return { stop: () => (clearInterval(timer), sample(), { rssMb: rss / 2 ** 20, heapMb: heap / 2 ** 20 }) }
}

async function floor(ctx: Ctx): Promise<number> {
  const from = new Date((AS_OF - DEFAULT_SETTINGS.lookbackDays) * 86_400_000)
  const started = performance.now()
  await sql`SELECT household_id, sku, count(*) FROM transaction_line
    WHERE household_id <> 0 AND occurred_at >= ${from} AND occurred_at < ${new Date(AS_OF * 86_400_000)}
    GROUP BY 1, 2`.execute(ctx.db)
  return (performance.now() - started) / 1000
}

async function runSize(households: number): Promise<Result> {
  const bench = await createBenchDb()
  const ctx: Ctx = { db: bench.db, log: benchLog, now: () => new Date(END) }
  try {
    let t = performance.now()
    const seeded = await seedDatabase(ctx, { households, days: DAYS, seed: 1, end: END, stores: 5 })
    await sql`ANALYZE`.execute(bench.db)
    const seedS = (performance.now() - t) / 1000
    const floorS = await floor(ctx)
    gc()
    const probe = memoryProbe()
    t = performance.now()
    let predicted = 0
    const settings = { ...DEFAULT_SETTINGS, customers: 'all' as const, loyalty: { weeklyCents: 2500, weeks: 8 } }
    for await (const _ of predictLists(ctx, settings, AS_OF, 20)) predicted++
    const predictS = (performance.now() - t) / 1000
    const mem = probe.stop()
    return { households, lines: seeded.imports.transactions.imported, seedS, floorS, predictS, predicted, peakRssMb: mem.rssMb, peakHeapMb: mem.heapMb }
  } finally {
    await bench.dispose()
  }
}

function line(r: Result): string {
  return `${String(r.households).padStart(7)} households ${String(r.lines).padStart(10)} lines | seed+import ${r.seedS.toFixed(1)} s | floor ${r.floorS.toFixed(2)} s | predict ${r.predictS.toFixed(1)} s (${(r.predictS / r.floorS).toFixed(1)}× floor), ${r.predicted} households predicted | peak RSS ${r.peakRssMb.toFixed(0)} MB, heap ${r.peakHeapMb.toFixed(0)} MB`
}

const results: Result[] = []
for (const n of only1x ? [BASE] : [BASE, BASE * 10]) {
  const r = await runSize(n)
  results.push(r)
  process.stdout.write(`${line(r)}\n`)
}
const one = results[0]!
process.stdout.write(`target: predict under 30 s at ${one.households} households: ${one.predictS < 30 ? 'met' : 'NOT met'} (${one.predictS.toFixed(1)} s)\n`)
if (results.length === 2) {
  const ten = results[1]!
  const ratio = ten.predictS / one.predictS
  process.stdout.write(`scaling: 10× households took ${ratio.toFixed(1)}× the time (target ≤ 12×: ${ratio <= 12 ? 'met' : 'NOT met'}); peak heap ${one.peakHeapMb.toFixed(0)} → ${ten.peakHeapMb.toFixed(0)} MB\n`)
}
