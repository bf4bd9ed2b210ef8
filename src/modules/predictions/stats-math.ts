// Small numeric helpers for the repurchase model. Pure functions, no dependencies.

// ln of small whole numbers (gaps in days, unit quantities), computed once: the fold and the
// habit units take it for every purchase day at every cutoff, so this is the hot path.
const LN = Float64Array.from({ length: 4096 }, (_, i) => (i === 0 ? Number.NEGATIVE_INFINITY : Math.log(i)))

/** Math.log, from a table for whole numbers below 4096. */
export function ln(x: number): number {
  return Number.isInteger(x) && x >= 0 && x < 4096 ? LN[x]! : Math.log(x)
}

/** Standard normal CDF via Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), as in the research notes §6.6. */
export function normCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * x)
  const poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
  const erf = 1 - poly * Math.exp(-x * x)
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf)
}

export function normPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI)
}

// Acklam's rational approximation of the normal quantile (relative error < 1.2e-9).
const A = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239]
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
const C = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]

/** Inverse of the standard normal CDF; p is clamped to (1e-12, 1 - 1e-12). */
export function normInv(p: number): number {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12)
  const lo = 0.02425
  if (q < lo || q > 1 - lo) {
    const r = Math.sqrt(-2 * Math.log(q < lo ? q : 1 - q))
    const v = (((((C[0]! * r + C[1]!) * r + C[2]!) * r + C[3]!) * r + C[4]!) * r + C[5]!) / ((((D[0]! * r + D[1]!) * r + D[2]!) * r + D[3]!) * r + 1)
    return q < lo ? v : -v
  }
  const s = q - 0.5
  const r = s * s
  return ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * s) /
    (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1)
}

/** CDF of a log-normal with log-mean mu and log-sd s at x (0 for x <= 0). */
export function logNormalCdf(x: number, mu: number, s: number): number {
  return x <= 0 ? 0 : normCdf((Math.log(x) - mu) / s)
}

// Lanczos approximation (g = 7, n = 9) of ln Γ(x) for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
]

export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x)
  const y = x - 1
  let a = LANCZOS[0]!
  const t = y + 7.5
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (y + i)
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a)
}

/** Nelder–Mead minimisation (deterministic; used for the few-parameter household model). */
export function nelderMead(f: (x: number[]) => number, x0: number[], opts: { iters?: number; step?: number; tol?: number } = {}): number[] {
  const n = x0.length
  const step = opts.step ?? 0.5
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + step : v)))].map((x) => ({ x, f: f(x) }))
  for (let it = 0; it < (opts.iters ?? 400); it++) {
    simplex.sort((a, b) => a.f - b.f)
    const best = simplex[0]!
    const worst = simplex[n]!
    if (Math.abs(worst.f - best.f) <= (opts.tol ?? 1e-9) * (Math.abs(best.f) + 1e-12)) break
    const centroid = x0.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p.x[j]!, 0) / n)
    const along = (t: number) => centroid.map((c, j) => c + t * (worst.x[j]! - c))
    const refl = { x: along(-1), f: 0 }
    refl.f = f(refl.x)
    if (refl.f < best.f) {
      const exp = { x: along(-2), f: 0 }
      exp.f = f(exp.x)
      simplex[n] = exp.f < refl.f ? exp : refl
    } else if (refl.f < simplex[n - 1]!.f) {
      simplex[n] = refl
    } else {
      const con = { x: along(0.5), f: 0 }
      con.f = f(con.x)
      if (con.f < worst.f) simplex[n] = con
      else simplex = simplex.map((p) => (p === best ? p : { x: p.x.map((v, j) => best.x[j]! + 0.5 * (v - best.x[j]!)), f: 0 })).map((p) => (p === best ? p : { x: p.x, f: f(p.x) }))
    }
  }
  simplex.sort((a, b) => a.f - b.f)
  return simplex[0]!.x
}
