// A small, fast, seedable PRNG and the few distributions the generator draws from. Written here
// (not a dependency) so that the same seed gives the same bytes on every machine and version.

/** Mixes a 32-bit value (splitmix32 finaliser): turns (seed, index) pairs into independent seeds. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** A uniform number in [0, 1) that depends only on its arguments (for schedules such as promotions). */
export function hashUnit(a: number, b: number, c: number): number {
  return mix32(mix32(mix32(a) ^ b) ^ c) / 4294967296
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128-bit state, passes PractRand. */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number, stream: number) {
    this.a = mix32(seed)
    this.b = mix32(seed ^ 0x5bd1e995 ^ stream)
    this.c = mix32(stream + 0x68e31da4)
    this.d = 1
    for (let i = 0; i < 12; i++) this.next()
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return (t >>> 0) / 4294967296
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  /** Integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next()
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }

  /** Standard normal (Box–Muller; the second value is dropped to keep the stream simple). */
  normal(): number {
    const u = 1 - this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next())
  }

  /** exp(N(mu, sigma²)). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal())
  }

  /** Gamma(shape, scale) by Marsaglia–Tsang (with the boost for shape < 1). */
  gamma(shape: number, scale: number): number {
    if (shape < 1) return this.gamma(shape + 1, scale) * Math.pow(1 - this.next(), 1 / shape)
    const d = shape - 1 / 3
    const c = 1 / Math.sqrt(9 * d)
    for (;;) {
      const x = this.normal()
      const v0 = 1 + c * x
      if (v0 <= 0) continue
      const v = v0 * v0 * v0
      const u = 1 - this.next()
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale
    }
  }

  /** Poisson(lambda) by multiplication (lambda stays small here: items per basket). */
  poisson(lambda: number): number {
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()))
    const limit = Math.exp(-lambda)
    let k = 0
    let p = this.next()
    while (p > limit) {
      k++
      p *= this.next()
    }
    return k
  }
}

/** Cumulative weights for O(log n) weighted draws: `draw(rng)` returns an index into the weights. */
export class WeightedTable {
  private readonly cum: Float64Array

  constructor(weights: ArrayLike<number>) {
    this.cum = new Float64Array(weights.length)
    let sum = 0
    for (let i = 0; i < weights.length; i++) {
      sum += Math.max(0, weights[i]!)
      this.cum[i] = sum
    }
  }

  get size(): number {
    return this.cum.length
  }

  draw(rng: Rng): number {
    const total = this.cum[this.cum.length - 1] ?? 0
    const x = rng.next() * total
    let lo = 0
    let hi = this.cum.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.cum[mid]! > x) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}

/**
 * Picks k indices without replacement, each with probability proportional to its weight
 * (Efraimidis–Spirakis keys u^(1/w)). Zero weights are never picked.
 */
export function sampleWeighted(rng: Rng, weights: readonly number[], k: number): number[] {
  const keyed: { i: number; key: number }[] = []
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!
    if (w > 0) keyed.push({ i, key: Math.log(1 - rng.next()) / w })
  }
  keyed.sort((x, y) => y.key - x.key || x.i - y.i)
  return keyed.slice(0, k).map((e) => e.i)
}

/** mulberry32: a tiny seeded PRNG for reproducible samples (bootstrap, test populations, bench data). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
