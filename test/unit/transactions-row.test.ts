import { describe, expect, it } from 'vitest'
import { lineJson, lineTotalCents, parseCents, parseTxnLine, type TxnLine } from '../../src/modules/imports/transactions-row.ts'

const row = (over: Partial<Record<'txn' | 'store' | 'lane' | 'card' | 'at' | 'sku' | 'qty' | 'price' | 'disc', string>> = {}) => [
  over.txn ?? 'T1', over.store ?? 'S1', over.lane ?? '3', over.card ?? '4000', over.at ?? '2026-03-01T10:15:00-05:00',
  over.sku ?? 'SKU1', over.qty ?? '2', over.price ?? '3.49', over.disc ?? '',
]

function ok(values: string[]): TxnLine {
  const r = parseTxnLine(values)
  if (typeof r === 'string') throw new Error(r)
  return r
}

describe('parseTxnLine', () => {
  it('parses a valid row exactly', () => {
    expect(ok(row({ qty: '-0.455', price: '12.5', disc: '.25' }))).toMatchObject({
      txnId: 'T1', storeId: 'S1', lane: '3', card: '4000', sku: 'SKU1',
      quantity: '-0.455', quantityMilli: -455, unitPriceCents: 1250, discountCents: 25,
      occurredAtMicros: Date.parse('2026-03-01T15:15:00Z') * 1000,
    })
  })

  it('accepts the usual ISO 8601 shapes with an offset, to the microsecond', () => {
    const micros = (at: string) => ok(row({ at })).occurredAtMicros
    expect(micros('2026-03-01 15:15:00.123456Z')).toBe(Date.parse('2026-03-01T15:15:00.123Z') * 1000 + 456)
    expect(micros('2026-03-01T16:15+01')).toBe(Date.parse('2026-03-01T15:15:00Z') * 1000)
    expect(micros('2026-03-01T20:45:00+0530')).toBe(Date.parse('2026-03-01T15:15:00Z') * 1000)
  })

  it.each([
    [{ txn: '' }, 'transaction_id is empty'],
    [{ store: 'x'.repeat(65) }, 'store_id is longer than 64 characters'],
    [{ sku: 'a\0b' }, 'sku contains a NUL character'],
    [{ at: '2026-03-01T10:15:00' }, 'has no UTC offset'],
    [{ at: '2026-02-30T10:15:00Z' }, 'is not a valid date and time'],
    [{ at: '2026-03-01T23:59:60Z' }, 'is not a valid date and time'],
    [{ at: '2026-03-01T10:15:00.1234567Z' }, 'is not an ISO 8601 timestamp'],
    [{ at: '01/03/2026 10:15' }, 'is not an ISO 8601 timestamp'],
    [{ qty: '0.000' }, 'quantity is 0'],
    [{ qty: '1.2345' }, 'more than 3 decimals'],
    [{ qty: '1e3' }, 'is not a decimal number'],
    [{ qty: '1234567890' }, 'is not a decimal number'],
    [{ price: '-1.00' }, 'must not be negative'],
    [{ price: '' }, 'unit_price is empty'],
    [{ price: '3.499' }, 'fraction of a cent'],
    [{ disc: '1000000.01' }, 'more than 1,000,000.00'],
    [{ lane: 'x'.repeat(33) }, 'lane is longer than 32 characters'],
  ])('refuses %j: %s', (over, reason) => {
    expect(parseTxnLine(row(over))).toContain(reason)
  })

  it('refuses a row with the wrong number of fields', () => {
    expect(parseTxnLine(['a', 'b'])).toBe('expected 9 fields, found 2')
  })
})

describe('money and totals', () => {
  it('parses currency units to cents without floats', () => {
    expect(parseCents('p', '0.29', false)).toBe(29)
    expect(parseCents('p', '3.490', false)).toBe(349)
    expect(parseCents('p', '1234.5', false)).toBe(123450)
    expect(parseCents('d', '', true)).toBe(0)
  })

  it('rounds a line half away from zero, as PostgreSQL round(numeric) does', () => {
    expect(lineTotalCents(455, 110, 0)).toBe(50) // 0.455 × 110 = 50.05
    expect(lineTotalCents(500, 101, 0)).toBe(51) // 50.5 → 51
    expect(lineTotalCents(-500, 101, 0)).toBe(-51)
    expect(lineTotalCents(2000, 349, 10)).toBe(688)
    // beyond 2^53 the product is computed exactly with BigInt
    expect(lineTotalCents(999_999_999_999, 2_147_483_647, 0)).toBe(Number((999_999_999_999n * 2_147_483_647n + 500n) / 1000n))
  })

  it('writes a line as the JSON the API hashes: JSON.stringify of [sku, quantity, price, discount]', () => {
    for (const [sku, qty] of [['SKU1', '2.000'], ['a "b"\\c', '-0.455'], ['x\ty', '0.1']] as const) {
      const r = ok(row({ sku, qty, disc: '0.05' }))
      expect(lineJson(r)).toBe(JSON.stringify([r.sku, Number(qty), 349, 5]))
    }
  })

  it('trims ids, SKU and card as the API does, but not the lane', () => {
    expect(ok(row({ txn: ' T1 ', store: ' S1', sku: 'SKU1 ', card: ' 4000 ', lane: ' 3 ' }))).toMatchObject({
      txnId: 'T1', storeId: 'S1', sku: 'SKU1', card: '4000', lane: ' 3 ',
    })
  })
})
