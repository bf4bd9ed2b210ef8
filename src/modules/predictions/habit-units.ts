import { ln } from './stats-math.ts'

/**
 * A household's habit units inside one product group: the SKUs it takes turns with for one need
 * (flavours, sizes, brands of its yogurt). Real households rotate: two yogurt purchases of one
 * household are the same SKU 6 % of the time in the Complete Journey sample (docs/seed.md
 * "Concentration"), so each SKU alone looks like a rare, erratic item while the need itself comes
 * round like clockwork. SKUs that replace each other are (almost) never bought on the same day;
 * two needs that share a group (cans and 2-litre bottles of soda, bread and buns) run on their own
 * clocks and meet on the same trip now and then. Pure.
 */
export interface UnitMember {
  /** Purchase days, increasing. */
  readonly days: readonly number[]
}

/** Share of the smaller side's purchase days that may fall on a shared day (two flavours in one trip). */
const SHARED_DAY_TOLERANCE = 0.1

/**
 * A SKU bought on one day only stays on its own: one purchase in a group is more often an impulse
 * than a turn of the habit (on the seeded chain, SKUs outside every habit were 11 % of the purchase
 * days of the units that held a habit, most of them bought once), and the share prior would give
 * it a real share of the unit's purchases (quick backtest 1.067 → 1.076).
 */
const MIN_JOIN_DAYS = 2

/**
 * Greedy, members in the given order (most purchase days first). A member joins, among the units
 * it shares at most the tolerated days with, the one whose purchase days together with its own
 * come round most regularly (the smallest spread of log gaps): the SKU a household takes turns
 * with fills that unit's long gaps (the weeks it bought the other flavour), where a need on its
 * own clock would split them at random. With no such unit it starts one. A favourite of the group
 * bought now and then can still join a unit: its share of the unit's purchases keeps its score
 * low, and keeping such SKUs out (joining only where the spread does not grow) ranked worse
 * (docs/prediction.md "Habit units"). Returns member indexes per unit.
 */
export function clusterUnits(members: readonly UnitMember[]): number[][] {
  const units: Array<{ idx: number[]; days: readonly number[] }> = []
  members.forEach((m, i) => {
    let best: { unit: (typeof units)[number]; days: number[]; spread: number } | undefined
    for (const u of m.days.length < MIN_JOIN_DAYS ? [] : units) {
      const allowed = Math.floor(SHARED_DAY_TOLERANCE * Math.min(m.days.length, u.days.length))
      if (sharedDays(m.days, u.days, allowed) > allowed) continue
      const days = mergeDays(u.days, m.days)
      const spread = logGapSpread(days)
      if (!best || spread < best.spread) best = { unit: u, days, spread }
    }
    if (best) {
      best.unit.idx.push(i)
      best.unit.days = best.days
    } else units.push({ idx: [i], days: m.days })
  })
  return units.map((u) => u.idx)
}


/** Standard deviation of the log gaps between purchase days (infinite below two gaps: no evidence yet). */
function logGapSpread(days: readonly number[]): number {
  if (days.length < 3) return Number.POSITIVE_INFINITY
  let s = 0, ss = 0
  for (let i = 1; i < days.length; i++) {
    const l = ln(days[i]! - days[i - 1]!)
    s += l
    ss += l * l
  }
  const n = days.length - 1
  return Math.sqrt(Math.max(ss / n - (s / n) ** 2, 0))
}

/** Days in both increasing lists (stops counting past `limit`). */
function sharedDays(a: readonly number[], b: readonly number[], limit: number): number {
  let i = 0, j = 0, n = 0
  while (i < a.length && j < b.length && n <= limit) {
    if (a[i]! < b[j]!) i++
    else if (a[i]! > b[j]!) j++
    else { n++; i++; j++ }
  }
  return n
}

function mergeDays(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = []
  let i = 0, j = 0
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!
    if (out[out.length - 1] !== x) out.push(x)
  }
  return out
}
