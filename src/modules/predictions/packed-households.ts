import type { DayRow } from './history-fold.ts'
import type { HouseholdMeta } from './predictions.repository.ts'

/**
 * Households' purchase-day rows kept in memory between two passes, packed: a SKU index, the day,
 * quantity and spend per row in flat arrays (about 24 bytes a row, against ~100 for the row objects
 * and their strings). Rows come back in the order they went in, so every fold sums the same
 * floating-point terms in the same order as from the database. Pure.
 */
export class PackedHouseholds {
  private readonly metas: HouseholdMeta[] = []
  /** Start of each household's rows; one more entry than households. */
  private readonly starts: number[] = [0]
  private readonly skuNames: string[] = []
  private readonly skuIndex = new Map<string, number>()
  private readonly sku: number[] = []
  private readonly day: number[] = []
  private readonly qty: number[] = []
  private readonly spend: number[] = []

  add(meta: HouseholdMeta, rows: readonly DayRow[]): void {
    this.metas.push(meta)
    for (const r of rows) {
      let i = this.skuIndex.get(r.sku)
      if (i === undefined) {
        i = this.skuNames.length
        this.skuNames.push(r.sku)
        this.skuIndex.set(r.sku, i)
      }
      this.sku.push(i)
      this.day.push(r.day)
      this.qty.push(r.qty)
      this.spend.push(r.spendCents)
    }
    this.starts.push(this.sku.length)
  }

  get size(): number {
    return this.metas.length
  }

  /** The households in the order added, each with its rows as objects again. */
  *households(): Generator<{ meta: HouseholdMeta; rows: DayRow[] }> {
    for (let h = 0; h < this.metas.length; h++) {
      const rows: DayRow[] = []
      for (let i = this.starts[h]!; i < this.starts[h + 1]!; i++) {
        rows.push({ sku: this.skuNames[this.sku[i]!]!, day: this.day[i]!, qty: this.qty[i]!, spendCents: this.spend[i]! })
      }
      yield { meta: this.metas[h]!, rows }
    }
  }
}
