import type { OfferReward } from '../lists/list.types.ts'
import type { Strings } from './template.ts'

// Money and dates as printed. Hand-rolled rather than Intl so the bytes of a PDF do not depend on the
// ICU data of the machine that renders it.

/** "{name}" placeholders filled from `values`; unknown placeholders stay visible to be noticed. */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m))
}

export function money(cents: number, s: Strings): string {
  const sign = cents < 0 ? '-' : ''
  const abs = Math.abs(Math.round(cents))
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${sign}${s.currency}${whole}.${String(abs % 100).padStart(2, '0')}`
}

/** "Dec 6, 2026" from "2026-12-06". */
export function shortDate(iso: string, s: Strings, withYear = true): string {
  const [y, m, d] = iso.split('-')
  const day = `${s.months[Number(m) - 1]} ${Number(d)}`
  return withYear ? `${day}, ${y}` : day
}

/** "Nov 23 – Dec 6, 2026" (the year once when both ends share it). */
export function dateRange(start: string, end: string, s: Strings): string {
  const sameYear = start.slice(0, 4) === end.slice(0, 4)
  return fill(s.cycle, { start: shortDate(start, s, !sameYear), end: shortDate(end, s) })
}

/** Headline of a coupon: "$1.00 OFF", "20% OFF", "NOW $2.99". */
export function rewardHeadline(reward: OfferReward, s: Strings): string {
  switch (reward.kind) {
    case 'amount_off':
      return fill(s.amountOff, { amount: money(reward.amountCents, s) })
    case 'percent_off':
      return fill(s.percentOff, { percent: trimNumber(reward.percent) })
    case 'fixed_price':
      return fill(s.fixedPrice, { price: money(reward.priceCents, s) })
  }
}

/** The short tag next to a list item that has a coupon. */
export function rewardTag(reward: OfferReward, s: Strings): string {
  switch (reward.kind) {
    case 'amount_off':
      return fill(s.offerTag, { value: money(reward.amountCents, s) })
    case 'percent_off':
      return fill(s.offerTagPercent, { percent: trimNumber(reward.percent) })
    case 'fixed_price':
      return fill(s.offerTagFixed, { price: money(reward.priceCents, s) })
  }
}

function trimNumber(n: number): string {
  return String(Math.round(n * 10) / 10)
}
