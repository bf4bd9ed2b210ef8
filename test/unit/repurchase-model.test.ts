import { describe, expect, it } from 'vitest'
import { calibrate, fitIsotonic, emptyPool, addToPool } from '../../src/modules/predictions/calibration.ts'
import { clusterUnits } from '../../src/modules/predictions/habit-units.ts'
import { type DayRow, foldHousehold, type FoldOptions } from '../../src/modules/predictions/history-fold.ts'
import { fitGate, pAlive } from '../../src/modules/predictions/household-gate.ts'
import { accumulate, fitModel, newAccumulator } from '../../src/modules/predictions/model-fit.ts'
import { type ModelParams, scoreHousehold, scorePair } from '../../src/modules/predictions/repurchase-model.ts'
import { prng } from '../../src/modules/predictions/metrics.ts'

// Hand-built histories on a day axis: T = day 1000 is the as-of date, the window is [1000, 1014).
const T = 1000
const W = 14
const GROUPS: Record<string, string> = { milk: 'dairy/milk', detergent: 'home/detergent', bread: 'bakery/bread', oatmilk: 'dairy/milk', creamer: 'dairy/milk' }
const groupOf = (sku: string) => GROUPS[sku] ?? null
const opts = (asOfDay = T): FoldOptions => ({ asOfDay, lookbackDays: 365, horizonDays: W, spendDays: 56 })

/** Purchases of `sku` every `every` days (± jitter) from `from` until before `to`. */
function every(sku: string, from: number, to: number, step: number, rnd: () => number, jitter = 1, qty = 1): DayRow[] {
  const rows: DayRow[] = []
  for (let d = from; d < to; d += step + Math.round((rnd() * 2 - 1) * jitter)) rows.push({ sku, day: d, qty, spendCents: 300 * qty })
  return rows
}

const byDay = (rows: DayRow[]) => [...rows].sort((a, b) => a.day - b.day || (a.sku < b.sku ? -1 : 1))

/** A small chain: weekly milk, 30-day detergent, 3–4-day bread, households joining at different times. */
function population(): ModelParams {
  const rnd = prng(7)
  const acc = newAccumulator(T)
  for (let h = 1; h <= 60; h++) {
    const start = 640 + Math.floor(rnd() * 40)
    const rows = [
      ...every('milk', start, T, 7, rnd),
      ...every('detergent', start + 3, T, 30, rnd, 3),
      ...every('bread', start + 1, T, 3 + (h % 2), rnd, 0),
    ]
    accumulate(acc, foldHousehold(h, byDay(rows), groupOf, opts()).history, true)
  }
  return fitModel(acc, { horizonDays: W, aliveFloor: 0.3 })
}

const model = population()

function score(rows: DayRow[], m = model) {
  return scoreHousehold(foldHousehold(999, byDay(rows), groupOf, opts()).history, m)
}

describe('EB-Renewal on hand-built histories', () => {
  it('predicts a weekly milk buyer in the window, around a week after the last purchase', () => {
    const rnd = prng(1)
    const items = score([...every('milk', 700, 996, 7, rnd), ...every('bread', 701, T, 3, rnd, 0)])!
    const milk = items.find((i) => i.sku === 'milk')!
    expect(milk.p).toBeGreaterThan(0.8)
    expect(milk.nextDay).toBeGreaterThanOrEqual(T)
    expect(milk.nextDay).toBeLessThan(T + W)
    expect(milk.cycleDays).toBeGreaterThan(5)
    expect(milk.cycleDays).toBeLessThan(9)
  })

  it('does not predict a 30-day detergent bought 3 days ago', () => {
    const rnd = prng(2)
    const rows = [...every('detergent', 727, T - 3, 30, rnd, 0), { sku: 'detergent', day: T - 3, qty: 1, spendCents: 900 }, ...every('bread', 701, T, 3, rnd, 0)]
    const items = score(rows)!
    const det = items.find((i) => i.sku === 'detergent')!
    expect(det.lastDay).toBe(T - 3)
    expect(det.p).toBeLessThan(0.1)
    expect(det.nextDay).toBeGreaterThanOrEqual(T + W)
    expect(items[0]!.sku).toBe('bread')
  })

  it('predicts the same detergent when its cycle comes due', () => {
    const rnd = prng(3)
    const rows = [...every('detergent', 700, T - 25, 30, rnd, 0), { sku: 'detergent', day: T - 25, qty: 1, spendCents: 900 }, ...every('bread', 701, T, 3, rnd, 0)]
    const det = score(rows)!.find((i) => i.sku === 'detergent')!
    expect(det.p).toBeGreaterThan(0.5)
  })

  it('drops a household that has been silent for months', () => {
    const rnd = prng(4)
    const rows = [...every('milk', 600, 880, 7, rnd), ...every('bread', 601, 880, 3, rnd, 0)]
    expect(score(rows)).toBeUndefined()
    const h = foldHousehold(5, byDay(rows), groupOf, opts()).history
    expect(pAlive(model.gate, h.trips)).toBeLessThan(0.3)
  })

  it('gives a pair with a single purchase the product cycle', () => {
    const rnd = prng(5)
    const rows = [{ sku: 'detergent', day: T - 10, qty: 1, spendCents: 900 }, ...every('bread', 701, T, 3, rnd, 0)]
    const det = score(rows)!.find((i) => i.sku === 'detergent')!
    const prior = model.items.priors.get('detergent')!
    expect(det.cycleDays).toBeCloseTo(Math.exp(prior.mu), 6)
    expect(det.cycleDays).toBeGreaterThan(24)
    expect(det.cycleDays).toBeLessThan(40)
  })

  it('stretches the cycle after a multi-unit purchase', () => {
    const rnd = prng(6)
    const base = every('milk', 700, 990, 7, rnd, 0)
    const single = [...base, { sku: 'milk', day: 992, qty: 1, spendCents: 100 }]
    const double = [...base, { sku: 'milk', day: 992, qty: 2, spendCents: 200 }]
    // A population where doubled purchases are followed by doubled gaps, so β is learned.
    const acc = newAccumulator(T)
    for (let h = 1; h <= 40; h++) {
      const rows: DayRow[] = []
      for (let d = 640 + h, i = 0; d < T; i++) {
        const qty = i % 4 === 3 ? 2 : 1
        rows.push({ sku: 'milk', day: d, qty, spendCents: 100 * qty })
        d += 7 * qty
      }
      accumulate(acc, foldHousehold(h, rows, groupOf, opts()).history, true)
    }
    const m = fitModel(acc, { horizonDays: W, aliveFloor: 0 })
    expect(m.items.hyper.beta).toBeGreaterThan(0.6)
    const one = score(single, m)!.find((i) => i.sku === 'milk')!
    const two = score(double, m)!.find((i) => i.sku === 'milk')!
    expect(two.cycleDays).toBeGreaterThan(one.cycleDays * 1.5)
    expect(two.nextDay).toBeGreaterThan(one.nextDay)
  })

  it('scores a swing buyer through the product group', () => {
    const rnd = prng(8)
    // Milk every week, alternating between two SKUs: each SKU alone looks like a 14-day item.
    const rows: DayRow[] = []
    for (let d = 700, i = 0; d < T - 2; d += 7, i++) rows.push({ sku: i % 2 === 0 ? 'milk' : 'oatmilk', day: d, qty: 1, spendCents: 100 })
    rows.push(...every('bread', 701, T, 3, rnd, 0))
    const items = score(rows)!
    const milk = items.find((i) => i.sku === 'milk')!
    const oat = items.find((i) => i.sku === 'oatmilk')!
    expect(milk.p).toBeGreaterThan(0.5)
    expect(oat.p).toBeGreaterThan(0.5)
  })
})

describe('habit units', () => {
  it('puts SKUs taken in turns into one unit and a need with its own clock into another', () => {
    // Milk every week, alternating SKUs; creamer every 10 days, often on a milk day. Oat milk never
    // falls on a creamer day, but it completes milk's weekly rhythm: it joins milk, not creamer.
    const rows: DayRow[] = []
    for (let d = 700, i = 0; d < T - 2; d += 7, i++) rows.push({ sku: i % 2 === 0 ? 'milk' : 'oatmilk', day: d, qty: 1, spendCents: 100 })
    for (let d = 700; d < T; d += 10) rows.push({ sku: 'creamer', day: d, qty: 1, spendCents: 100 })
    const hh = foldHousehold(1, byDay(rows), groupOf, opts()).history
    const unitOf = (sku: string) => hh.items.find((i) => i.sku === sku)!.unit
    expect(unitOf('milk')).toBe(unitOf('oatmilk'))
    expect(unitOf('creamer')).not.toBe(unitOf('milk'))
    const milk = hh.units[unitOf('milk')]!
    expect(milk.skus).toBe(2)
    expect(milk.k).toBe(hh.items.find((i) => i.sku === 'milk')!.k + hh.items.find((i) => i.sku === 'oatmilk')!.k)
    // The unit's own gaps are the weekly ones, not the SKUs' fortnightly ones.
    expect(Math.exp(milk.sg / milk.n)).toBeCloseTo(7, 5)
  })

  it('tolerates a few shared days (two flavours in one trip) but not a habit of buying both', () => {
    const every14 = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + 14 * i)
    // Alternating weekly, and once both on one day (1 of 10 days shared): one unit.
    expect(clusterUnits([{ days: every14(1, 10) }, { days: [...every14(8, 9), 127] }])).toEqual([[0, 1]])
    // Bought together half the time: two needs.
    expect(clusterUnits([{ days: every14(1, 10) }, { days: [...every14(1, 5), ...every14(78, 5)] }])).toEqual([[0], [1]])
  })
})

describe('scorePair', () => {
  it('is low right after a purchase, peaks around the cycle and fades long after it', () => {
    const h = { ...model.items.hyper }
    const prior = model.items.priors.get('milk')!
    const pair = (lastDay: number) => ({ k: 30, firstDay: 700, lastDay, lastQty: 1, n: 29, sg: 29 * Math.log(7), sgg: 29 * Math.log(7) ** 2, sq: 0, sqq: 0, sqg: 0, decay: 1, recent: 1 })
    const p = (age: number) => scorePair(pair(T - age), prior, h, T, 3).p
    expect(p(1)).toBeLessThan(p(6))
    expect(p(60)).toBeLessThan(p(6))
  })
})

describe('history fold', () => {
  it('builds the same sums as computing them from all gaps at once', () => {
    const days = [900, 907, 915, 921, 930]
    const rows = days.map((day, i) => ({ sku: 'milk', day, qty: i === 1 ? 2 : 1, spendCents: 100 }))
    const it = foldHousehold(1, rows, groupOf, opts()).history.items[0]!
    const gaps = days.slice(1).map((d, i) => d - days[i]!)
    const lq = [0, Math.log(2), 0, 0]
    expect(it.k).toBe(5)
    expect(it.n).toBe(4)
    expect(it.sg).toBeCloseTo(gaps.reduce((s, g) => s + Math.log(g), 0), 12)
    expect(it.sgg).toBeCloseTo(gaps.reduce((s, g) => s + Math.log(g) ** 2, 0), 12)
    expect(it.sq).toBeCloseTo(Math.log(2), 12)
    expect(it.sqg).toBeCloseTo(gaps.reduce((s, g, i) => s + lq[i]! * Math.log(g), 0), 12)
    expect(it.lastDay).toBe(930)
  })

  it('ignores rows on or after the as-of date and before the lookback', () => {
    const rows = [500, 900, 950, 1000, 1005].map((day) => ({ sku: 'milk', day, qty: 1, spendCents: 100 }))
    const f = foldHousehold(1, rows, groupOf, { ...opts(), followDays: 14 })
    expect(f.history.items[0]!.k).toBe(2)
    expect(f.future.get('milk')).toBe(1000)
  })

  it('counts a day whose lines net to a return as no purchase', () => {
    const rows = [{ sku: 'milk', day: 900, qty: 1, spendCents: 100 }, { sku: 'milk', day: 910, qty: -1, spendCents: -100 }]
    expect(foldHousehold(1, rows, groupOf, opts()).history.items[0]!.k).toBe(1)
  })
})

describe('calibration', () => {
  it('maps scores to observed rates monotonically', () => {
    const pool = emptyPool()
    const rnd = prng(11)
    // True probability is the square of the score: the raw score over-predicts.
    for (let i = 0; i < 50_000; i++) {
      const s = rnd()
      addToPool(pool, s, rnd() < s * s)
    }
    const c = fitIsotonic(pool)
    expect(calibrate(c, 0.5)).toBeCloseTo(0.25, 1)
    expect(calibrate(c, 0.9)).toBeCloseTo(0.81, 1)
    for (let x = 0; x < 1; x += 0.05) expect(calibrate(c, x + 0.05)).toBeGreaterThanOrEqual(calibrate(c, x))
  })

  it('keeps raw scores when there are too few pairs', () => {
    const pool = emptyPool()
    addToPool(pool, 0.4, true)
    expect(calibrate(fitIsotonic(pool), 0.4)).toBe(0.4)
  })
})

describe('household gate (MBG/NBD)', () => {
  it('keeps regular shoppers alive and lets long-silent ones go', () => {
    const rnd = prng(3)
    const data = Array.from({ length: 200 }, () => {
      const x = 10 + Math.floor(rnd() * 40)
      const t = 52
      const churned = rnd() < 0.2
      const tx = churned ? 10 + rnd() * 20 : t - rnd() * 1.5
      return { x, tx, t }
    })
    const g = fitGate(data)
    expect(pAlive(g, { x: 40, tx: 51.5, t: 52 })).toBeGreaterThan(0.9)
    expect(pAlive(g, { x: 40, tx: 30, t: 52 })).toBeLessThan(0.05)
  })
})
