import type { ItemStats } from './repurchase-model.ts'

/**
 * The baselines every backtest reports (research notes §5.8), ranking the household's own
 * history only, like the model. Ties are broken by the most recent purchase, then SKU.
 */
export const BASELINES = ['p-topfreq', 'decayed-frequency', 'last-window'] as const
export type Baseline = (typeof BASELINES)[number]

function tieBreak(a: ItemStats, b: ItemStats): number {
  return b.lastDay - a.lastDay || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)
}

/** P-TopFreq: the household's items by number of purchase days (Li et al. 2023). */
export function pTopFreq(items: readonly ItemStats[]): string[] {
  return [...items].sort((a, b) => b.k - a.k || tieBreak(a, b)).map((it) => it.sku)
}

/** Recency-decayed frequency Σ 2^(−age/h), h = 28 days (the time-decay part of TIFU-KNN). */
export function decayedFrequency(items: readonly ItemStats[]): string[] {
  return [...items].sort((a, b) => b.decay - a.decay || tieBreak(a, b)).map((it) => it.sku)
}

/** Last window: what the household bought in [T − W, T), most often first. */
export function lastWindow(items: readonly ItemStats[]): string[] {
  return items
    .filter((it) => it.recent > 0)
    .sort((a, b) => b.recent - a.recent || tieBreak(a, b))
    .map((it) => it.sku)
}

export function baselineList(b: Baseline, items: readonly ItemStats[]): string[] {
  if (b === 'p-topfreq') return pTopFreq(items)
  if (b === 'decayed-frequency') return decayedFrequency(items)
  return lastWindow(items)
}
