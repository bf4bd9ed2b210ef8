import { lgamma, nelderMead } from './stats-math.ts'

/**
 * The household layer: is this household still shopping with us? MBG/NBD (Batislam, Denizel &
 * Filiztekin 2007; research notes §3.1), fitted by maximum likelihood on shopping trips (distinct
 * days), never on lines. Unlike BG/NBD it lets a one-trip household drop out too, so a household
 * seen once months ago is not "alive" forever. Times are in weeks.
 */
export interface TripSummary {
  /** Repeat trips: distinct shopping days minus one. */
  readonly x: number
  /** Weeks from the first to the last trip. */
  readonly tx: number
  /** Weeks from the first trip to the as-of date. */
  readonly t: number
  /** How many households share these numbers (lets callers pass an aggregated histogram). */
  readonly weight?: number
}

export interface GateParams {
  readonly r: number
  readonly alpha: number
  readonly a: number
  readonly b: number
}

/** Neutral parameters for when there are too few households to fit (P(alive) stays close to 1). */
export const DEFAULT_GATE: GateParams = { r: 1, alpha: 1, a: 0.1, b: 10 }

function negLogLik(p: GateParams, data: readonly TripSummary[]): number {
  const { r, alpha, a, b } = p
  const base = r * Math.log(alpha) - lgamma(r) + lgamma(a + b) - lgamma(b)
  // lgamma terms depend only on x: compute them once per distinct x.
  const byX = new Map<number, number>()
  let ll = 0
  let w = 0
  for (const d of data) {
    let gx = byX.get(d.x)
    if (gx === undefined) {
      gx = lgamma(r + d.x) + lgamma(b + d.x + 1) - lgamma(a + b + d.x + 1)
      byX.set(d.x, gx)
    }
    const weight = d.weight ?? 1
    const lt = Math.log(alpha + d.t)
    const a3 = -(r + d.x) * lt
    const a4 = Math.log(a) - Math.log(b + d.x) + (r + d.x) * (lt - Math.log(alpha + d.tx))
    ll += weight * (base + gx + a3 + (a4 > 30 ? a4 : Math.log1p(Math.exp(a4))))
    w += weight
  }
  return w === 0 ? 0 : -ll / w
}

/** ML fit over log-parameters; deterministic for a given input order. */
export function fitGate(data: readonly TripSummary[]): GateParams {
  if (data.length < 20) return DEFAULT_GATE
  const toParams = (v: number[]): GateParams => ({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) })
  const objective = (v: number[]) => {
    if (v.some((x) => Math.abs(x) > 12)) return Number.POSITIVE_INFINITY
    const f = negLogLik(toParams(v), data)
    return Number.isFinite(f) ? f : Number.POSITIVE_INFINITY
  }
  const v = nelderMead(objective, [0, 0, -1, 1], { iters: 500, step: 0.7, tol: 1e-10 })
  return toParams(v)
}

/** P(the household is still active | its trips), MBG/NBD. */
export function pAlive(p: GateParams, d: TripSummary): number {
  const ratio = Math.log(p.alpha + d.t) - Math.log(p.alpha + d.tx)
  const odds = Math.log(p.a) - Math.log(p.b + d.x) + (p.r + d.x) * ratio
  return odds > 30 ? 0 : 1 / (1 + Math.exp(odds))
}
