import os from 'node:os'
import { sql } from 'kysely'
import type { Ctx } from '../src/context.ts'
import { predictHousehold } from '../src/modules/predictions/household-scorer.ts'
import { DEFAULT_SETTINGS, isoToDay, type PredictedItem, predictLists } from '../src/modules/predictions/predictions.service.ts'
import { createProfileModel, householdProfile } from '../src/modules/segments/profile.service.ts'
import { fitSegmentCuts } from '../src/modules/segments/segment-cuts.ts'
import { DEFAULT_SEGMENT_PARAMS } from '../src/modules/segments/segments.model.ts'
import type { ProfileDto } from '../src/modules/segments/segments.schemas.ts'
import { brandSegments, householdValues } from '../src/modules/segments/segments.service.ts'
import { seedDatabase } from '../src/modules/seed/seed.service.ts'
import { benchLog, createBenchDb, percentile } from './lib/bench-db.ts'

// `npm run bench:profile [-- --households N] [-- --sample N] [-- --whole N] [-- --legacy N]`: seeds
// N households (default 2,000) × 540 days through the real importers, then times the profile
// service at the day after the data ends: the first profile (which fits the population model and
// computes the segment cut points for that day), the prediction part of later profiles
// (predictHousehold against that fit) and whole later profiles for a sample of households, and,
// back to back, the old per-request population ranking for a few of them. Last, it checks that the
// sampled profiles' RFM, tier and segments equal the population functions' and that their
// predictions equal what `pantry predict` prints.

const args = process.argv.slice(2)
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt)
const HOUSEHOLDS = opt('--households', 2000)
const SAMPLE = opt('--sample', 200)
/** Whole later profiles timed (default: the whole sample). */
const WHOLE = opt('--whole', SAMPLE)
/** Households timed on the old path, RFM and segments ranked against the population per request (seconds each). */
const LEGACY = opt('--legacy', 5)
const END = '2026-11-01'
const AS_OF_DAY = isoToDay(END)!
const AS_OF = new Date(`${END}T00:00:00Z`)
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

  const model = createProfileModel(SETTINGS)
  const fits = model.fits
  const profile = (cardNumber: string) => householdProfile(ctx, { cardNumber, asOf: END, predictions: model })
  process.stdout.write(`load average before: ${load()}\n`)
  const cpu0 = process.cpuUsage()
  t = performance.now()
  await profile(cards[0]!.cardNumber)
  const cpu1 = process.cpuUsage(cpu0)
  process.stdout.write(`first profile (fits the population and the segment cut points for ${END}): ${(ms(t) / 1000).toFixed(2)} s wall, ${((cpu1.user + cpu1.system) / 1000).toFixed(0)} ms Node CPU\n`)

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

  // Whole later profiles: everything the route answers, against the day's fit and cut points.
  const whole: number[] = []
  const profiles = new Map<number, ProfileDto>()
  const cpu4 = process.cpuUsage()
  for (const c of cards.slice(0, WHOLE)) {
    t = performance.now()
    profiles.set(c.id, await profile(c.cardNumber))
    whole.push(ms(t))
  }
  const cpu5 = process.cpuUsage(cpu4)
  process.stdout.write(`${summary('later profiles, whole (RFM, tier, segments, attributes, predictions)', whole)}; Node CPU ${((cpu5.user + cpu5.system) / 1000 / whole.length).toFixed(1)} ms per profile\n`)

  // Back to back, the reads a profile made before the cut points: RFM, tier and usage ranked against the whole population per request.
  const ranked: number[] = []
  for (const c of cards.slice(0, LEGACY)) {
    t = performance.now()
    await Promise.all([householdValues(ctx, { asOf: AS_OF, householdId: c.id }), brandSegments(ctx, { asOf: AS_OF, householdId: c.id })])
    ranked.push(ms(t))
  }
  if (ranked.length > 0) process.stdout.write(`${summary('for comparison, RFM + tier + segments of one household ranked against the population (the old path)', ranked)}\n`)
  process.stdout.write(`load average after: ${load()}; population fits made: ${fits.fitsStarted}, cut points computed: ${model.cuts.started}\n`)

  // The segments' share of the first profile: the cut points alone, computed again.
  t = performance.now()
  await fitSegmentCuts(ctx, DEFAULT_SEGMENT_PARAMS, AS_OF_DAY)
  process.stdout.write(`segment cut points alone (part of the first profile): ${(ms(t) / 1000).toFixed(2)} s\n`)

  // The profiles' RFM, tier and segments equal the population functions' for each household.
  t = performance.now()
  const values = new Map((await householdValues(ctx, { asOf: AS_OF })).map((v) => [v.householdId, v]))
  const segments = await brandSegments(ctx, { asOf: AS_OF })
  process.stdout.write(`population householdValues + brandSegments for comparison: ${(ms(t) / 1000).toFixed(1)} s\n`)
  let sameSegments = 0
  for (const [id, p] of profiles) {
    const v = values.get(id)
    const rfm = v ? { ...v.rfm, recencyDays: v.recencyDays, frequency: v.frequency, monetaryCents: v.monetaryCents } : null
    const segs = segments.filter((s) => s.householdId === id).map(({ householdId: _, ...s }) => s)
    if (JSON.stringify([rfm, v?.tier ?? null, segs]) === JSON.stringify([p.rfm, p.tier, p.segments])) sameSegments++
  }
  process.stdout.write(`profiles whose RFM, tier and segments equal the population functions': ${sameSegments} of ${profiles.size}\n`)

  t = performance.now()
  const expected = new Map<string, readonly PredictedItem[]>()
  for await (const p of predictLists(ctx, SETTINGS, AS_OF_DAY, 10)) expected.set(p.householdId, p.items)
  process.stdout.write(`predictLists for comparison: ${(ms(t) / 1000).toFixed(1)} s, ${expected.size} households\n`)
  const same = cards.filter((c) => JSON.stringify(expected.get(c.externalId) ?? []) === JSON.stringify(got.get(c.externalId))).length
  process.stdout.write(`households whose predictions equal pantry predict's: ${same} of ${cards.length}\n`)
} finally {
  await bench.dispose()
}
