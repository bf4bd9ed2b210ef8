import { lineJson, lineTotalCents, type TxnLine } from './transactions-row.ts'

// Rows of the staging table import_line in COPY text format (tab-separated, \N for NULL):
//   line, store_id, txn_id, lane, card, occurred_us, sku, quantity, unit_price_cents,
//   discount_cents, line_total_cents, line_json, reason
// A good row has no reason; a refused row has only its line, the basket it names (if any) and its
// reason. One table for both keeps it one COPY stream per session.

export const STAGE_COPY =
  'COPY import_line (line, store_id, txn_id, lane, card, occurred_us, sku, quantity, unit_price_cents, discount_cents, line_total_cents, line_json, reason) FROM STDIN'

const SPECIAL = /[\\\t\n\r\0]/
const SPECIALS = /[\\\t\n\r\0]/g
// PostgreSQL text cannot hold NUL: a refused row may contain one, and it is only reported
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\uFFFD' }

/** Escapes a text value for COPY's text format; most values need nothing. */
function text(v: string): string {
  return SPECIAL.test(v) ? v.replace(SPECIALS, (c) => ESCAPES[c]!) : v
}

export function goodRow(line: number, r: TxnLine): string {
  const total = lineTotalCents(r.quantityMilli, r.unitPriceCents, r.discountCents)
  return `${line}\t${text(r.storeId)}\t${text(r.txnId)}\t${text(r.lane)}\t${text(r.card)}\t${r.occurredAtMicros}\t${text(r.sku)}\t${r.quantity}\t${r.unitPriceCents}\t${r.discountCents}\t${total}\t${text(lineJson(r))}\t\\N\n`
}

/**
 * A refused row. It names a basket (which is then refused whole) only when its store and
 * transaction ids are plausible ones: not empty and not longer than a stored basket's can be.
 */
export function badRow(line: number, storeId: string | undefined, txnId: string | undefined, reason: string): string {
  const named = storeId && txnId && storeId.length <= 64 && txnId.length <= 128
  const basket = named ? `${text(storeId)}\t${text(txnId)}` : '\\N\t\\N'
  return `${line}\t${basket}\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t${text(reason)}\n`
}
