// The generator's calendar: day indexes → local dates of a Wisconsin chain (America/Chicago).
// The US DST rule (since 2007) is applied here instead of through Intl so the output does not
// depend on the ICU data of the machine. Stores open 7:00–22:00, so the 2 a.m. switch never
// falls inside trading hours and one offset per date is exact.

const DAY_MS = 86_400_000

export interface SeedDay {
  /** 'YYYY-MM-DD', local date. */
  readonly date: string
  /** 'YYYYMMDD', for transaction ids. */
  readonly compact: string
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number
  /** '-05:00' (CDT) or '-06:00' (CST). */
  readonly offset: string
  /** Promotion week: weeks run Wednesday–Tuesday, numbered from 1970 so they do not depend on --days. */
  readonly promoWeek: number
  /** Stores are closed on Christmas Day. */
  readonly closed: boolean
}

/** Parses 'YYYY-MM-DD' strictly; returns the UTC epoch day or throws. */
export function parseIsoDate(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw new RangeError(`not a valid date (YYYY-MM-DD): ${text}`)
  }
  return ms / DAY_MS
}

/** The `days` dates before `end` (end excluded): day 0 is end − days, the last is the day before end. */
export function buildCalendar(end: string, days: number): SeedDay[] {
  const endDay = parseIsoDate(end)
  const out: SeedDay[] = []
  for (let i = 0; i < days; i++) out.push(seedDay(endDay - days + i))
  return out
}

function seedDay(epochDay: number): SeedDay {
  const d = new Date(epochDay * DAY_MS)
  const date = d.toISOString().slice(0, 10)
  const cdt = isCentralDaylightTime(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
  return {
    date,
    compact: date.replaceAll('-', ''),
    weekday: d.getUTCDay(),
    offset: cdt ? '-05:00' : '-06:00',
    promoWeek: Math.floor((epochDay + 1) / 7),
    closed: date.endsWith('-12-25'),
  }
}

/** DST from the second Sunday of March to the first Sunday of November (local dates). */
function isCentralDaylightTime(year: number, month: number, day: number): boolean {
  if (month < 2 || month > 10) return false
  if (month > 2 && month < 10) return true
  const firstWeekday = new Date(Date.UTC(year, month, 1)).getUTCDay()
  const firstSunday = 1 + ((7 - firstWeekday) % 7)
  return month === 2 ? day >= firstSunday + 7 : day < firstSunday
}

/** '2026-03-14T17:23:05-05:00' for a day and a number of seconds after local midnight. */
export function localTimestamp(day: SeedDay, seconds: number): string {
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  return `${day.date}T${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}${day.offset}`
}
