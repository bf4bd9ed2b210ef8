import os from 'node:os'
import { sql } from 'kysely'
import type { Ctx } from '../src/context.ts'
import { createPopulationFits, predictHousehold } from '../src/modules/predictions/household-scorer.ts'
import { DEFAULT_SETTINGS, isoToDay, type PredictedItem, predictLists } from '../src/modules/predictions/predictions.service.ts'
import { householdProfile } from '../src/modules/segments/profile.service.ts'
import { seedDatabase } from '../src/modules/seed/seed.service.ts'
import { benchLog, createBenchDb, percentile } from './lib/bench-db.ts'

// `npm run bench:profile [-- --households N] [-- --sample N] [-- --whole N]`: seeds N households
// (default 2,000) × 540 days through the real importers, then times the profile service at the day
// after the data ends: the first profile (which fits the population model for that day), the
// prediction part of later profiles (predictHousehold against that fit) for a sample of households,
// and a few whole later profiles. Last, it checks that every sampled household got exactly what
// `pantry predict` prints.

const args = process.argv.slice(2)
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt)
const HOUSEHOLDS = opt('--households', 2000)
const SAMPLE = opt('--sample', 200)
/** Whole profiles timed (each reads the segments of the whole chain: seconds, see docs/segments.md). */
const WHOLE = opt('--whole', 10)
const END = '2026-11-01'
const AS_OF_DAY = isoToDay(END)!
const SETTINGS = { ...DEFAULT_SETTINGS, customers: 'loyal' as const, loyalty: { weeklyCents: 2500, weeks: 8 } }

const ms = (t0: number) => performance.now() - t0
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ')

function summary(label: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b)
  return `${label}: p50 ${percentile(s, 50).toFixed(1)} ms, p95 ${percentile(s, 95).toFixed(1)} ms, max ${s[s.length - 1]!.toFixed(1)} ms (n=${s.length})`
}

const bench = await createBenchDb()
const ctx: Ctx = { db: bench.db, log: benchLog, now: () => new Date(`${END}T12:00:00Z`) }
try {
  let t = performance.now()
  await seedDatabase(ctx, { households: HOUSEHOLDS, days: 540, seed: 1, end: END, stores: 5 })
  await sql`ANALYZE`.execute(bench.db)
  process.stdout.write(`seeded ${HOUSEHOLDS} households in ${(ms(t) / 1000).toFixed(1)} s\n`)

  const cards = (
    await sql<{ id: number; externalId: string; cardNumber: string }>`
      SELECT h.id, h.external_id AS "externalId", min(c.card_number) AS "cardNumber"
      FROM household h JOIN loyalty_card c ON c.household_id = h.id
      GROUP BY h.id ORDER BY h.id`.execute(bench.db)
  ).rows.filter((_, i, all) => i % Math.max(1, Math.floor(all.length / SAMPLE)) === 0).slice(0, SAMPLE)

  const fits = createPopulationFits()
  const model = { settings: SETTINGS, fits }
  const profile = (cardNumber: string) => householdProfile(ctx, { cardNumber, asOf: END, predictions: model })
  process.stdout.write(`load average before: ${load()}\n`)
  const cpu0 = process.cpuUsage()
  t = performance.now()
  await profile(cards[0]!.cardNumber)
  const cpu1 = process.cpuUsage(cpu0)
  process.stdout.write(`first profile (fits the population for ${END}): ${(ms(t) / 1000).toFixed(2)} s wall, ${((cpu1.user + cpu1.system) / 1000).toFixed(0)} ms Node CPU\n`)

  // The prediction part alone, against the fit the first profile made.
  const got = new Map<string, PredictedItem[]>()
  const part: number[] = []
  const cpu2 = process.cpuUsage()
  for (const c of cards) {
    t = performance.now()
    got.set(c.externalId, await predictHousehold(ctx, fits, { settings: SETTINGS, householdId: c.id, asOfDay: AS_OF_DAY, top: 10 }))
    part.push(ms(t))
  }
  const cpu3 = process.cpuUsage(cpu2)
  process.stdout.write(`${summary('predictions of a later profile (predictHousehold)', part)}; Node CPU ${((cpu3.user + cpu3.system) / 1000 / cards.length).toFixed(1)} ms per call\n`)

  const whole: number[] = []
  for (const c of cards.slice(0, WHOLE)) {
    t = performance.now()
    await profile(c.cardNumber)
    whole.push(ms(t))
  }
  process.stdout.write(`${summary('later profiles, whole (RFM, segments, attributes, predictions)', whole)}\n`)
  process.stdout.write(`load average after: ${load()}; population fits made: ${fits.fitsStarted}\n`)

  t = performance.now()
  const expected = new Map<string, readonly PredictedItem[]>()
  for await (const p of predictLists(ctx, SETTINGS, AS_OF_DAY, 10)) expected.set(p.householdId, p.items)
  process.stdout.write(`predictLists for comparison: ${(ms(t) / 1000).toFixed(1)} s, ${expected.size} households\n`)
  const same = cards.filter((c) => JSON.stringify(expected.get(c.externalId) ?? []) === JSON.stringify(got.get(c.externalId))).length
  process.stdout.write(`households whose predictions equal pantry predict's: ${same} of ${cards.length}\n`)
} finally {
  await bench.dispose()
}
