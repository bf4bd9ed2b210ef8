import { createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { mulberry32 } from '../src/modules/seed/prng.ts'

// Generates a realistic `pantry import transactions` file for the benchmark, and alongside it the
// very same rows in COPY text format (pos_transaction headers and transaction_line lines) so the
// floor can be loaded with a plain COPY.

export interface GenOptions {
  readonly rows: number
  readonly stores?: number
  readonly cards?: number
  readonly skus?: number
  /** Baskets rung up at once (lanes): their rows are interleaved, so baskets are not contiguous. */
  readonly openBaskets?: number
  readonly seed?: number
}

export interface GenFiles {
  readonly csv: string
  readonly headersTsv: string
  readonly linesTsv: string
}

export interface GenStats {
  readonly rows: number
  readonly baskets: number
}

interface Basket {
  readonly id: number
  readonly store: string
  readonly lane: string
  readonly card: number
  readonly at: string
  readonly size: number
  lines: number
  totalCents: number
}

const HEADER = 'transaction_id,store_id,lane,card_number,occurred_at,sku,quantity,unit_price,discount\n'
const START = Date.UTC(2026, 0, 1)
const SPAN_MS = 182 * 86_400_000

export async function generateTransactions(files: GenFiles, opts: GenOptions): Promise<GenStats> {
  const rnd = mulberry32(opts.seed ?? 42)
  const out = { csv: new Sink(files.csv), headers: new Sink(files.headersTsv), lines: new Sink(files.linesTsv) }
  out.csv.write(HEADER)
  const open: Basket[] = []
  let baskets = 0
  const newBasket = (): Basket => ({
    id: ++baskets,
    store: `S${1 + Math.floor(rnd() * (opts.stores ?? 2000))}`,
    lane: String(1 + Math.floor(rnd() * 12)),
    // 12% of baskets are paid without a loyalty card
    card: rnd() < 0.12 ? 0 : 1 + Math.floor(rnd() * (opts.cards ?? 5000)),
    at: timestamp(START + Math.floor(rnd() * SPAN_MS)),
    size: 1 + Math.floor(rnd() * 59),
    lines: 0,
    totalCents: 0,
  })
  for (let row = 0; row < opts.rows; row++) {
    while (open.length < (opts.openBaskets ?? 8)) open.push(newBasket())
    const slot = Math.floor(rnd() * open.length)
    const b = open[slot]!
    await writeLine(out, b, rnd, opts.skus ?? 20_000)
    if (b.lines === b.size) {
      await out.headers.write(headerTsv(b))
      open.splice(slot, 1)
    }
  }
  // the baskets still open when the row budget runs out end with the rows they have
  for (const b of open) if (b.lines > 0) await out.headers.write(headerTsv(b))
  await Promise.all([out.csv.end(), out.headers.end(), out.lines.end()])
  return { rows: opts.rows, baskets: out.headers.lines }
}

async function writeLine(out: Record<'csv' | 'lines', Sink>, b: Basket, rnd: () => number, skus: number): Promise<void> {
  b.lines++
  const sku = String(100_000 + Math.floor(rnd() * rnd() * skus))
  const r = rnd()
  // mostly units, some weighed items, about 1% returns
  const qtyMilli = r < 0.01 ? -1000 : r < 0.09 ? 100 + Math.floor(rnd() * 1900) : 1000 * (1 + Math.floor(rnd() * rnd() * 4))
  const priceCents = 29 + Math.floor(rnd() * 1500)
  const discountCents = rnd() < 0.2 ? 10 + Math.floor(rnd() * 100) : 0
  b.totalCents += Math.round((qtyMilli * priceCents) / 1000) - discountCents
  const card = b.card === 0 ? '' : String(4_000_000_000 + b.card)
  await out.csv.write(
    `${b.id + 1e8},${b.store},${b.lane},${card},${b.at},${sku},${decimal(qtyMilli, 3)},${decimal(priceCents, 2)},${discountCents ? decimal(discountCents, 2) : ''}\n`,
  )
  await out.lines.write(`${b.card}\t${b.at}\t${b.id}\t${b.lines}\t${sku}\t${decimal(qtyMilli, 3)}\t${priceCents}\t${discountCents}\n`)
}

function headerTsv(b: Basket): string {
  const card = b.card === 0 ? '\\N' : String(4_000_000_000 + b.card)
  return `${b.id}\t${b.store}\t${b.id + 1e8}\t${b.lane}\t${card}\t${b.card}\t${b.at}\t${b.lines}\t${b.totalCents}\thash-${b.id}\timport\n`
}

/** ISO 8601 in a chain's local time (UTC-5), as POS exports write it. */
function timestamp(ms: number): string {
  return `${new Date(ms - 5 * 3_600_000).toISOString().slice(0, 19)}-05:00`
}

function decimal(scaled: number, places: number): string {
  const sign = scaled < 0 ? '-' : ''
  const abs = Math.abs(scaled)
  const unit = 10 ** places
  const frac = String(abs % unit).padStart(places, '0').replace(/0+$/, '')
  return `${sign}${Math.floor(abs / unit)}${frac ? `.${frac}` : ''}`
}


/** A write stream with a string buffer: far fewer, larger writes, and backpressure respected. */
class Sink {
  private readonly stream: WriteStream
  private buf = ''
  lines = 0
  constructor(file: string) {
    this.stream = createWriteStream(file)
  }
  async write(s: string): Promise<void> {
    this.lines++
    this.buf += s
    if (this.buf.length < 1 << 16) return
    const ok = this.stream.write(this.buf)
    this.buf = ''
    if (!ok) await once(this.stream, 'drain')
  }
  async end(): Promise<void> {
    this.stream.end(this.buf)
    await once(this.stream, 'finish')
  }
}
