import { describe, expect, it } from 'vitest'
import { listCode, offerCode } from '../../src/modules/codes/codes.ts'
import { discountCents, evaluate, type InstanceFacts, localDate, parseReward, type RedemptionFacts } from '../../src/modules/redemptions/redemption-rules.ts'
import { classifyScans } from '../../src/modules/redemptions/scan.ts'

const SECRET = 'unit-test-secret-0123456789'
const TODAY = '2026-11-25'

function instance(over: Partial<InstanceFacts> = {}): InstanceFacts {
  return {
    code: offerCode(SECRET),
    householdId: 1,
    listCode: 'L1',
    offerId: 'O1',
    sku: '1001',
    valueCents: 500,
    minQuantity: 1,
    validFrom: '2026-11-23',
    expiresOn: '2026-12-06',
    redeemedBy: null,
    reward: { kind: 'amount_off', amountCents: 100 },
    optedIn: true,
    gs1Serial: null,
    gs1CompanyPrefix: null,
    gs1OfferCode: null,
    budgetCount: null,
    budgetCents: null,
    redeemedCount: 0,
    redeemedCents: 0,
    ...over,
  }
}

function facts(over: Partial<RedemptionFacts> & { codes?: string[] }): RedemptionFacts {
  return {
    scans: classifyScans(SECRET, over.codes ?? []),
    card: null,
    cardApplies: true,
    lists: new Map(),
    instances: [],
    items: [{ sku: '1001', quantity: 1, unitPriceCents: 349 }],
    today: TODAY,
    ...over,
  }
}

describe('discountCents', () => {
  it('takes an amount off, never more than the units cost nor the face value', () => {
    expect(discountCents({ kind: 'amount_off', amountCents: 100 }, 500, 1, 349)).toBe(100)
    expect(discountCents({ kind: 'amount_off', amountCents: 500 }, 500, 1, 349)).toBe(349)
    expect(discountCents({ kind: 'amount_off', amountCents: 300 }, 200, 2, 349)).toBe(200)
  })

  it('rounds a percentage of the required units', () => {
    expect(discountCents({ kind: 'percent_off', percent: 15 }, 0, 2, 333)).toBe(Math.round(666 * 0.15))
  })

  it('brings each required unit down to a fixed price, or gives nothing above it', () => {
    expect(discountCents({ kind: 'fixed_price', priceCents: 299 }, 0, 2, 349)).toBe(100)
    expect(discountCents({ kind: 'fixed_price', priceCents: 399 }, 0, 1, 349)).toBe(0)
  })

  it('falls back to the face value when the reward is unknown', () => {
    expect(discountCents(null, 120, 1, 349)).toBe(120)
  })
})

describe('parseReward', () => {
  it('reads the printed reward and refuses malformed ones', () => {
    expect(parseReward({ kind: 'percent_off', percent: 20, amountCents: null })).toEqual({ kind: 'percent_off', percent: 20 })
    expect(parseReward({ kind: 'amount_off' })).toBeNull()
    expect(parseReward('x')).toBeNull()
  })
})

describe('localDate', () => {
  it('is the store-local calendar day', () => {
    expect(localDate(new Date('2026-11-25T03:00:00Z'), 'America/Chicago')).toBe('2026-11-24')
    expect(localDate(new Date('2026-11-25T06:00:00Z'), 'America/Chicago')).toBe('2026-11-25')
  })
})

describe('evaluate', () => {
  it('refuses a forged or mistyped code without needing any instance', () => {
    const good = offerCode(SECRET)
    const forged = good.slice(0, -1) + (good.endsWith('0') ? '1' : '0')
    const ev = evaluate(facts({ codes: [forged, 'hello'] }))
    expect(ev.rejected.map((r) => r.reason)).toEqual(['unknown_or_forged', 'unknown_or_forged'])
  })

  it('applies a scanned offer code and refuses one of another household than the card', () => {
    const mine = instance()
    const theirs = instance({ householdId: 2, sku: '1002' })
    const ev = evaluate(
      facts({
        codes: [mine.code, theirs.code],
        card: { householdId: 1, optedIn: true },
        instances: [mine, theirs],
        items: [
          { sku: '1001', quantity: 1, unitPriceCents: 349 },
          { sku: '1002', quantity: 1, unitPriceCents: 199 },
        ],
      }),
    )
    expect(ev.redeemed.map((r) => [r.code, r.discountCents])).toEqual([[mine.code, 100]])
    expect(ev.rejected.map((r) => [r.code, r.reason])).toEqual([[theirs.code, 'other_household']])
  })

  it('applies the offers of a scanned list whose items are in the basket, and only those', () => {
    const list = listCode(SECRET)
    const inBasket = instance({ listCode: list })
    const elsewhere = instance({ listCode: list, sku: '9999' })
    const ev = evaluate(facts({ codes: [list], lists: new Map([[list, { householdId: 1, optedIn: true }]]), instances: [inBasket, elsewhere] }))
    expect(ev.redeemed.map((r) => r.code)).toEqual([inBasket.code])
    expect(ev.rejected).toEqual([])
  })

  it('says so when a scanned list has nothing for this basket', () => {
    const list = listCode(SECRET)
    const ev = evaluate(facts({ codes: [list], lists: new Map([[list, { householdId: 1, optedIn: true }]]), instances: [instance({ listCode: list, sku: '9999' })] }))
    expect(ev.rejected.map((r) => [r.code, r.reason])).toEqual([[list, 'item_not_in_basket']])
  })

  it('checks dates, redemption, quantity and the household in a fixed order', () => {
    const cases: [Partial<InstanceFacts>, string][] = [
      [{ expiresOn: '2026-11-24' }, 'expired'],
      [{ validFrom: '2026-11-26' }, 'not_yet_valid'],
      [{ redeemedBy: { storeId: 'S1', transactionId: 'T0' } }, 'already_redeemed'],
      [{ minQuantity: 2 }, 'quantity_too_low'],
      [{ sku: '4242' }, 'item_not_in_basket'],
      [{ optedIn: false }, 'household_opted_out'],
      [{ budgetCount: 3, redeemedCount: 3 }, 'budget_exhausted'],
      [{ budgetCents: 150, redeemedCents: 100 }, 'budget_exhausted'],
      [{ reward: { kind: 'fixed_price', priceCents: 400 } }, 'no_discount'],
    ]
    for (const [over, reason] of cases) {
      const inst = instance(over)
      expect(evaluate(facts({ codes: [inst.code], instances: [inst] })).rejected.map((r) => r.reason)).toEqual([reason])
    }
  })

  it('does not stack two offers on one item: the better one applies', () => {
    const small = instance({ reward: { kind: 'amount_off', amountCents: 50 } })
    const big = instance({ reward: { kind: 'amount_off', amountCents: 75 }, offerId: 'O2' })
    const ev = evaluate(facts({ codes: [small.code, big.code], instances: [small, big] }))
    expect(ev.redeemed.map((r) => [r.code, r.discountCents])).toEqual([[big.code, 75]])
    expect(ev.rejected.map((r) => [r.code, r.reason])).toEqual([[small.code, 'not_stackable']])
  })

  it('adds up quantities of one SKU over lines and prices them at the lowest unit price', () => {
    const inst = instance({ minQuantity: 2, reward: { kind: 'percent_off', percent: 50 }, valueCents: 0 })
    const items = [
      { sku: '1001', quantity: 1, unitPriceCents: 300 },
      { sku: '1001', quantity: 1, unitPriceCents: 280 },
    ]
    const ev = evaluate(facts({ codes: [inst.code], instances: [inst], items }))
    expect(ev.redeemed.map((r) => r.discountCents)).toEqual([280])
  })

  it('applies the card household’s offers valid today, without any code', () => {
    const valid = instance()
    const later = instance({ validFrom: '2026-12-07', expiresOn: '2026-12-20' })
    const ev = evaluate(facts({ card: { householdId: 1, optedIn: true }, instances: [valid, later] }))
    expect(ev.redeemed.map((r) => [r.code, r.origin])).toEqual([[valid.code, 'card']])
    expect(ev.householdId).toBe(1)
    expect(evaluate(facts({ card: { householdId: 1, optedIn: true }, cardApplies: false, instances: [valid] })).redeemed).toEqual([])
  })
})
