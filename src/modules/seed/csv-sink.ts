// Sinks that write the generator's output: the three import CSVs (the formats `pantry import`
// reads) and the optional ground-truth JSON lines. Rows are appended to a string buffer and
// written synchronously in ~1 MB chunks: the generator is synchronous, and this is the fastest
// way to stream 1.5 M lines from it without holding them in memory.

import { closeSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { SeedDay } from './calendar.ts'
import type { Product } from './catalog.ts'
import type { ChainSink } from './chain.ts'
import type { Household } from './households.ts'

export const PRODUCTS_HEADER = 'sku,name,brand,brand_type,category,subcategory,size,price'
export const HOUSEHOLDS_HEADER = 'card_number,household_id,name,email,postal_code,opted_in'
export const TRANSACTIONS_HEADER = 'transaction_id,store_id,lane,card_number,occurred_at,sku,quantity,unit_price,discount'

export const SEED_FILES = { products: 'products.csv', households: 'households.csv', transactions: 'transactions.csv' } as const

const CHUNK = 1 << 20

class BufferedFile {
  private readonly fd: number
  private buf = ''

  constructor(path: string) {
    this.fd = openSync(path, 'w')
  }

  write(text: string): void {
    this.buf += text
    if (this.buf.length >= CHUNK) this.flush()
  }

  flush(): void {
    if (this.buf.length > 0) writeSync(this.fd, this.buf)
    this.buf = ''
  }

  close(): void {
    this.flush()
    closeSync(this.fd)
  }
}

/** Cents → '3.49' (the CSVs carry currency units). */
export function money(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const c = Math.abs(cents)
  const r = c % 100
  return `${sign}${(c - r) / 100}.${r < 10 ? '0' : ''}${r}`
}

/** RFC 4180 quoting, only when needed (names may contain commas or quotes). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

export interface ClosableSink extends ChainSink {
  close(): void
}

/** Writes products.csv, households.csv and transactions.csv into `dir` (which must exist). */
export function csvFilesSink(dir: string): ClosableSink {
  const products = new BufferedFile(join(dir, SEED_FILES.products))
  const households = new BufferedFile(join(dir, SEED_FILES.households))
  const transactions = new BufferedFile(join(dir, SEED_FILES.transactions))
  households.write(`${HOUSEHOLDS_HEADER}\n`)
  transactions.write(`${TRANSACTIONS_HEADER}\n`)
  return {
    begin({ products: list }) {
      products.write(`${PRODUCTS_HEADER}\n`)
      for (const p of list) {
        const fields = [p.sku, p.name, p.brand, p.brandType, p.category, p.subcategory, p.size, money(p.priceCents)]
        products.write(`${fields.map(csvField).join(',')}\n`)
      }
      products.flush()
    },
    household(h) {
      const opted = h.optedIn ? 'true' : 'false'
      const rest = `${h.id},${csvField(h.person.name)},${csvField(h.person.email)},${h.postalCode},${opted}\n`
      for (const card of h.cards) households.write(`${card},${rest}`)
    },
    basket(b) {
      const head = `${b.transactionId},${b.store.id},${b.lane},${b.cardNumber ?? ''},${b.occurredAt},`
      let text = ''
      for (const l of b.lines) text += `${head}${l.product.sku},${l.quantity},${money(l.unitCents)},${money(l.discountCents)}\n`
      transactions.write(text)
    },
    close() {
      products.close()
      households.close()
      transactions.close()
    },
  }
}

/**
 * Ground truth for evaluating predictions: one JSON object per household with its trip rhythm
 * and every staple habit (SKUs, cycle in days, first and last date of the habit).
 */
export function truthSink(file: string): ClosableSink {
  const out = new BufferedFile(file)
  let calendar: readonly SeedDay[] = []
  let products: readonly Product[] = []
  const dateOf = (day: number) => (day < calendar.length ? calendar[day]!.date : null)
  return {
    begin(info) {
      calendar = info.calendar
      products = info.products
    },
    household(h: Household) {
      const record = {
        household_id: h.id,
        cards: h.cards,
        mean_gap_days: round2(h.meanGap),
        first_date: dateOf(h.firstDay),
        churn_date: dateOf(h.lastDay),
        brand_attitude: h.attitude,
        pets: [...h.audiences].filter((a) => a === 'dog' || a === 'cat'),
        baby: h.audiences.has('baby'),
        produce_heavy: h.produceHeavy,
        staples: h.staples.map((s) => ({
          slot: s.slot.key,
          skus: s.products.map((i) => products[i]!.sku),
          brand_attitude: s.attitude,
          cycle_days: round2(s.cycleDays),
          from_date: dateOf(s.from),
          until_date: dateOf(s.until),
        })),
      }
      out.write(`${JSON.stringify(record)}\n`)
    },
    close() {
      out.close()
    },
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100
}
