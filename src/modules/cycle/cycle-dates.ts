// Calendar arithmetic of the list cycle. Cycle dates are the chain's local calendar days
// ('YYYY-MM-DD'); the as-of instant of a cycle is 00:00 of its first day in the chain's time zone
// (config.storeTimeZone), so a cycle predicts from what was bought before the stores opened.

const DAY_MS = 86_400_000

/** True for a real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false
  const ms = Date.parse(`${s}T00:00:00Z`)
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === s
}

export function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10)
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(iso: string): number {
  return new Date(`${iso}T00:00:00Z`).getUTCDay()
}

/** The local calendar date of `instant` in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant)
}

/** Offset of `timeZone` from UTC at `instant`, in minutes (Chicago in winter: −360). */
function offsetMinutes(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(instant)
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value)
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'))
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000)
}

/** 00:00 of `iso` in `timeZone`, as an instant. DST switches at 2 a.m., so midnight always exists. */
export function zonedMidnight(iso: string, timeZone: string): Date {
  const utcMidnight = Date.parse(`${iso}T00:00:00Z`)
  // The offset at the guess is the offset at midnight except within hours of a switch; a second
  // pass settles that case.
  let t = utcMidnight - offsetMinutes(new Date(utcMidnight), timeZone) * 60_000
  t = utcMidnight - offsetMinutes(new Date(t), timeZone) * 60_000
  return new Date(t)
}

/** The first Monday strictly after the local date of `now`: the default first cycle. */
export function nextMonday(now: Date, timeZone: string): string {
  const today = localDate(now, timeZone)
  const ahead = (8 - weekday(today)) % 7 || 7
  return addDays(today, ahead)
}
