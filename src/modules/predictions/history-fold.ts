import type { TripSummary } from './household-gate.ts'
import { clusterUnits } from './habit-units.ts'
import { ln } from './stats-math.ts'
import type { HabitUnit, HouseholdHistory, ItemStats } from './repurchase-model.ts'

/**
 * Folds one household's purchase days into the per-pair sufficient statistics of the research
 * notes §6.2 (k, last day, Σln g, Σ(ln g)², plus the quantity terms), with exactly the update rule
 * an incremental store would use: for each new purchase day d, k += 1, S += ln(d − last), last = d.
 * Because the fold is a pure function of the rows before the cutoff, the same day rows give the
 * statistics at several cutoffs (the calibration cutoffs and the as-of date) in one scan.
 */

/** A household's purchases of one SKU on one UTC day (lines summed). */
export interface DayRow {
  readonly sku: string
  readonly day: number
  readonly qty: number
  readonly spendCents: number
}

export interface FoldOptions {
  readonly asOfDay: number
  /** Days of history used: purchase days in [asOf − lookback, asOf). */
  readonly lookbackDays: number
  /** The window length W (also the "last window" baseline). */
  readonly horizonDays: number
  /** Days over which spend is summed for the loyalty test. */
  readonly spendDays: number
  /** Days after the as-of date in which purchases are returned as the outcome (backtest). */
  readonly followDays?: number
}

export interface FoldedHousehold {
  readonly history: HouseholdHistory
  /** Net spend in [asOf − spendDays, asOf), cents. */
  readonly recentSpendCents: number
  /** First purchase day of each SKU in [asOf, asOf + followDays). */
  readonly future: ReadonlyMap<string, number>
}

/** Half-life of the recency weights (the decayed-frequency baseline). */
export const DECAY_HALF_LIFE_DAYS = 28

interface MutablePair {
  sku: string; group: string | null; unit: number
  k: number; firstDay: number; lastDay: number; lastQty: number
  n: number; sg: number; sgg: number; sq: number; sqq: number; sqg: number; decay: number; recent: number
  /** Purchase days and quantities of a grouped item (for its habit unit). */
  days: number[] | undefined; qtys: number[] | undefined
}

// The fold's result objects are the accumulators themselves (no copies: this runs for every
// household at every cutoff).
function newPair(sku: string, group: string | null, day: number, qty: number): MutablePair {
  const days = group === null ? undefined : []
  const qtys = group === null ? undefined : []
  return { sku, group, unit: -1, k: 0, firstDay: day, lastDay: day, lastQty: qty, n: 0, sg: 0, sgg: 0, sq: 0, sqq: 0, sqg: 0, decay: 0, recent: 0, days, qtys }
}

const DECAY_RATE = Math.LN2 / DECAY_HALF_LIFE_DAYS

/** The incremental update for one more purchase day of a pair. */
function addDay(p: MutablePair, day: number, qty: number, o: FoldOptions): void {
  if (p.k > 0) {
    const lg = ln(day - p.lastDay)
    const lq = ln(p.lastQty)
    p.n += 1; p.sg += lg; p.sgg += lg * lg; p.sq += lq; p.sqq += lq * lq; p.sqg += lq * lg
  }
  p.k += 1
  p.days?.push(day)
  p.qtys?.push(qty)
  p.lastDay = day
  p.lastQty = qty
  p.decay += Math.exp((day - o.asOfDay) * DECAY_RATE)
  if (day >= o.asOfDay - o.horizonDays) p.recent += 1
}

/** Rows must be sorted by day (any SKU order within a day). */
export function foldHousehold(householdId: number, rows: readonly DayRow[], groupOf: (sku: string) => string | null, o: FoldOptions): FoldedHousehold {
  const from = o.asOfDay - o.lookbackDays
  const items = new Map<string, MutablePair>()
  const future = new Map<string, number>()
  let spend = 0
  let trips = 0, firstTrip = 0, lastTrip = 0
  for (const r of rows) {
    if (r.day < from) continue
    if (r.day >= o.asOfDay) {
      if (r.qty > 0 && r.day < o.asOfDay + (o.followDays ?? 0) && !future.has(r.sku)) future.set(r.sku, r.day)
      continue
    }
    if (r.day >= o.asOfDay - o.spendDays) spend += r.spendCents
    if (r.qty <= 0) continue
    if (r.day !== lastTrip || trips === 0) {
      if (trips === 0) firstTrip = r.day
      trips += 1
      lastTrip = r.day
    }
    let p = items.get(r.sku)
    if (!p) {
      p = newPair(r.sku, groupOf(r.sku), r.day, r.qty)
      items.set(r.sku, p)
    }
    addDay(p, r.day, r.qty, o)
  }
  const itemStats: ItemStats[] = [...items.values()]
  const tripSummary: TripSummary = { x: Math.max(trips - 1, 0), tx: (lastTrip - firstTrip) / 7, t: (o.asOfDay - firstTrip) / 7 }
  const history: HouseholdHistory = { householdId, trips: tripSummary, lastTripDay: lastTrip, items: itemStats, units: habitUnits(items.values(), o) }
  return { history, recentSpendCents: spend, future }
}

/**
 * The household's habit units (habit-units.ts), each with the pair statistics of its purchase
 * days (a day the unit was bought on counts once, its quantities summed); every grouped item gets
 * the index of its unit.
 */
function habitUnits(items: Iterable<MutablePair>, o: FoldOptions): HabitUnit[] {
  const byGroup = new Map<string, MutablePair[]>()
  for (const p of items) {
    if (p.group === null) continue
    const list = byGroup.get(p.group)
    if (list) list.push(p)
    else byGroup.set(p.group, [p])
  }
  const units: HabitUnit[] = []
  for (const [group, members] of byGroup) {
    // Most groups hold one SKU of the household: its unit is the item itself (this runs for every
    // household at every cutoff).
    const clusters = members.length === 1 ? [[0]] : clusterUnits(sortByDays(members).map((m) => ({ days: m.days! })))
    for (const idx of clusters) {
      const parts = idx.map((i) => members[i]!)
      const u = parts.length === 1 ? parts[0]! : foldDays(group, parts, o)
      for (const m of parts) m.unit = units.length
      units.push({
        k: u.k, firstDay: u.firstDay, lastDay: u.lastDay, lastQty: u.lastQty,
        n: u.n, sg: u.sg, sgg: u.sgg, sq: u.sq, sqq: u.sqq, sqg: u.sqg, decay: u.decay, recent: u.recent,
        group, skus: parts.length, purchaseDays: parts.reduce((sum, m) => sum + m.k, 0),
      })
    }
  }
  return units
}

/** Members with most purchase days first (then by SKU: a deterministic order), as clusterUnits wants them. */
function sortByDays(members: MutablePair[]): MutablePair[] {
  return members.sort((a, b) => b.k - a.k || (a.sku < b.sku ? -1 : 1))
}

/** One pair over the union of the members' purchase days, the quantities of a shared day summed. */
function foldDays(group: string, parts: readonly MutablePair[], o: FoldOptions): MutablePair {
  const perDay = new Map<number, number>()
  for (const m of parts) {
    const days = m.days!
    const qtys = m.qtys!
    for (let j = 0; j < days.length; j++) perDay.set(days[j]!, (perDay.get(days[j]!) ?? 0) + qtys[j]!)
  }
  const days = [...perDay.keys()].sort((a, b) => a - b)
  const u = newPair(group, null, days[0]!, perDay.get(days[0]!)!)
  for (const d of days) addDay(u, d, perDay.get(d)!, o)
  return u
}
