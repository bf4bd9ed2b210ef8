// How concentrated a household's buying is on its own repeat products: of two distinct purchases
// (lines, one per product and basket) of one household, how often are they the same product?
// Pooled over households: Σ same-product pairs / Σ pairs. Unlike "share of top-10 products", this
// survives random thinning of the lines (a pair survives a p-sample with probability p² whether or
// not it is a repeat), so the Complete Journey 5 % line sample measures the full data's value and
// the seed can be held to it. docs/seed.md "Concentration".

export class RepeatConcentration {
  private readonly households = new Map<string, { lines: number; products: Map<string, number>; seen: Set<string> }>()

  /** One purchase line. Several lines of one product in one basket count once. */
  add(household: string, basket: string, product: string): void {
    let h = this.households.get(household)
    if (!h) this.households.set(household, (h = { lines: 0, products: new Map(), seen: new Set() }))
    const key = `${basket}\u0000${product}`
    if (h.seen.has(key)) return
    h.seen.add(key)
    h.lines++
    h.products.set(product, (h.products.get(product) ?? 0) + 1)
  }

  /** Σ_h Σ_p n(n−1) / Σ_h N(N−1): NaN when no household has two lines. */
  pooled(): number {
    let same = 0
    let all = 0
    for (const h of this.households.values()) {
      all += h.lines * (h.lines - 1)
      for (const n of h.products.values()) same += n * (n - 1)
    }
    return same / all
  }
}

/** Measured on ../shared/datasets/completejourney/transactions_sample.csv.gz (2017, 2,469 households). */
export const COMPLETE_JOURNEY_REPEAT_CONCENTRATION = 0.0035
