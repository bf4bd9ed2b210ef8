// Why an item is on a household's list, in shopper words ("bought every ~9 days, last on Mar 3,
// due now"). Pure: the as-of date is an argument and dates are formatted in UTC, like every
// day-level date in Pantry.

export interface ReasonInput {
  /** Typical days between purchases (the model's cycle). */
  readonly cycleDays: number
  /** Last purchase day, YYYY-MM-DD. */
  readonly lastPurchased: string
  /** Expected next purchase day, YYYY-MM-DD. */
  readonly expectedDate: string
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const

/** "Mar 3", or "Dec 28, 2025" when the year differs from the as-of date's. */
export function shortDate(iso: string, asOf: Date): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number]
  const day = `${MONTHS[m - 1]} ${d}`
  return y === asOf.getUTCFullYear() ? day : `${day}, ${y}`
}

/** "every ~9 days", "every ~3 weeks", "every ~2 months"; whole units read best on paper. */
export function cyclePhrase(cycleDays: number): string {
  if (!Number.isFinite(cycleDays) || cycleDays < 1.5) return 'almost every day'
  if (cycleDays < 21) return `every ~${Math.round(cycleDays)} days`
  if (cycleDays < 84) return `every ~${Math.round(cycleDays / 7)} weeks`
  return `every ~${Math.round(cycleDays / 30.44)} months`
}

export function predictionReason(item: ReasonInput, asOf: Date): string {
  const today = asOf.toISOString().slice(0, 10)
  // ISO dates compare as strings
  const due = item.expectedDate <= today ? 'due now' : `due around ${shortDate(item.expectedDate, asOf)}`
  return `bought ${cyclePhrase(item.cycleDays)}, last on ${shortDate(item.lastPurchased, asOf)}, ${due}`
}
