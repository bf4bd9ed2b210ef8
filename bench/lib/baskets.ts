import { mulberry32 } from './bench-db.ts'

export interface BenchBasket {
  id: string
  storeId: string
  lane: string
  cardNumber?: string
  occurredAt: string
  items: { sku: string; quantity: number; unitPriceCents: number; discountCents?: number }[]
}

/**
 * Realistic POS baskets: about 30 lines (geometric around the mean), known SKUs and cards drawn
 * with a skew, 10% without a card, three months of timestamps, a few returns.
 */
export function makeBaskets(count: number, opts: { stores: number; cards: number; skus: number; seed?: number }): BenchBasket[] {
  const rnd = mulberry32(opts.seed ?? 7)
  const skew = (n: number) => Math.floor(n * rnd() ** 2)
  const start = Date.UTC(2026, 5, 1)
  const out: BenchBasket[] = []
  for (let i = 0; i < count; i++) {
    const size = Math.max(1, Math.round(30 + 12 * (rnd() + rnd() + rnd() - 1.5)))
    const items = Array.from({ length: size }, () => ({
      sku: String(100_000 + skew(opts.skus)),
      quantity: rnd() < 0.01 ? -1 : rnd() < 0.15 ? 2 : 1,
      unitPriceCents: 79 + Math.floor(rnd() * 900),
      ...(rnd() < 0.2 ? { discountCents: 25 } : {}),
    }))
    const at = new Date(start + Math.floor(rnd() * 90 * 86_400_000))
    out.push({
      id: `B${i}`,
      storeId: `S${1 + (i % opts.stores)}`,
      lane: String(1 + Math.floor(rnd() * 8)),
      ...(rnd() < 0.9 ? { cardNumber: String(4_000_000 + skew(opts.cards)) } : {}),
      occurredAt: at.toISOString().replace('Z', '+00:00'),
      items,
    })
  }
  return out
}
