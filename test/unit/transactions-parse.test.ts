import { describe, expect, it } from 'vitest'
import { basketSchema, parseBasket } from '../../src/modules/transactions/transactions.schemas.ts'

const basket = () => ({
  id: 'T1',
  storeId: 'S1',
  lane: '3',
  cardNumber: '4000123',
  occurredAt: '2026-03-14T17:23:05-05:00',
  items: [
    { sku: '1001', quantity: 1, unitPriceCents: 349 },
    { sku: '1002', quantity: -2.125, unitPriceCents: 199, discountCents: 50, description: 'returned' },
  ],
})

// Each case changes a valid basket; parseBasket must answer exactly what basketSchema answers:
// the same data (values, key order, stripped keys) or the same issues.
const cases: Record<string, (b: ReturnType<typeof basket>) => unknown> = {
  'valid as is': (b) => b,
  'SKU to trim': (b) => ((b.items[0]!.sku = ' 1001 '), b),
  'empty SKU': (b) => ((b.items[0]!.sku = ''), b),
  'SKU too long': (b) => ((b.items[0]!.sku = 'x'.repeat(65)), b),
  'zero quantity': (b) => ((b.items[0]!.quantity = 0), b),
  'four decimals': (b) => ((b.items[0]!.quantity = 1.2345), b),
  'huge quantity': (b) => ((b.items[0]!.quantity = 1e9), b),
  'quantity as text': (b) => (((b.items[0] as Record<string, unknown>).quantity = '1'), b),
  'fractional cents': (b) => ((b.items[0]!.unitPriceCents = 3.5), b),
  'negative price': (b) => ((b.items[0]!.unitPriceCents = -1), b),
  'price too high': (b) => ((b.items[0]!.unitPriceCents = 100_000_001), b),
  'null discount': (b) => (((b.items[1] as Record<string, unknown>).discountCents = null), b),
  'long description': (b) => ((b.items[1]!.description = 'x'.repeat(201)), b),
  'unknown item key': (b) => (((b.items[0] as Record<string, unknown>).colour = 'red'), b),
  'null item': (b) => (((b.items as unknown[])[0] = null), b),
  'no items': (b) => ((b.items = []), b),
  'null card': (b) => (((b as Record<string, unknown>).cardNumber = null), b),
  'numeric lane': (b) => (((b as Record<string, unknown>).lane = 4), b),
  'negative lane': (b) => (((b as Record<string, unknown>).lane = -4), b),
  'id to trim': (b) => ((b.id = ' T1 '), b),
  'no offset': (b) => ((b.occurredAt = '2026-03-14T17:23:05'), b),
  'codes': (b) => ({ ...b, redeemedCodes: ['A1', 'B2'] }),
  'not an object': () => [1, 2],
}

describe('parseBasket', () => {
  for (const [name, change] of Object.entries(cases)) {
    it(`answers as basketSchema does: ${name}`, () => {
      const input = change(basket())
      const fast = parseBasket(input)
      const zod = basketSchema.safeParse(input)
      expect(fast.success).toBe(zod.success)
      if (fast.success && zod.success) expect(JSON.stringify(fast.data)).toBe(JSON.stringify(zod.data))
      if (!fast.success && !zod.success) expect(fast.error.issues).toEqual(zod.error.issues)
    })
  }
})
