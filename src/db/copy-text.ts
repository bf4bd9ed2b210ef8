// COPY's text format: a value with a backslash, tab, newline or carriage return would end its
// column or row early, so those are escaped; most values need nothing.

const SPECIAL = /[\\\t\n\r]/
const SPECIALS = /[\\\t\n\r]/g
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }

/** A value in COPY's text format (callers hold no NUL: PostgreSQL text cannot store it). */
export function copyText(v: string): string {
  return SPECIAL.test(v) ? v.replace(SPECIALS, (c) => ESCAPES[c]!) : v
}
