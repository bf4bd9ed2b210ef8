import { type Kysely, sql } from 'kysely'
import { beforeEach, describe, expect, it } from 'vitest'
import type { DB } from '../../src/db/schema.ts'
import { authHeader, buildTestApp } from '../helpers/app.ts'
import { createTestDb } from '../helpers/db.ts'
import { makeFundedOffer, makeHousehold, makeIssuedListWithOffers, makeStore, type InstanceSpec } from '../helpers/factories.ts'
import { BASKET, budgetUse, CYCLE, instanceState, liveLines, NOW, redemptionClient } from '../helpers/redemption.ts'

const tdb = await createTestDb({ poolSize: 25 })
const app = await buildTestApp(tdb, { now: () => NOW })
let cashier: Record<string, string>
const api = redemptionClient(app, () => cashier)

let h1: number
let h2: number

beforeEach(async () => {
  await tdb.truncate()
  cashier = await authHeader(tdb, 'cashier', ['S1'])
  await makeStore(tdb.db, 'S1')
  h1 = await makeHousehold(tdb.db, { cards: ['4001'] })
  h2 = await makeHousehold(tdb.db, { cards: ['4002'] })
  await makeFundedOffer(tdb.db, { id: 'O1', sku: '1001', reward: { kind: 'amount_off', amountCents: 100 } })
  await makeFundedOffer(tdb.db, { id: 'O2', sku: '1002', reward: { kind: 'percent_off', percent: 20 } })
})

const o1: InstanceSpec = { offerId: 'O1', sku: '1001', valueCents: 100, reward: { kind: 'amount_off', amountCents: 100 } }
const o2: InstanceSpec = { offerId: 'O2', sku: '1002', valueCents: 100, reward: { kind: 'percent_off', percent: 20 } }
const list = (householdId: number, cardNumber: string, offers: InstanceSpec[] = [o1, o2]) =>
  makeIssuedListWithOffers(tdb.db, { householdId, cardNumber, cycleStart: CYCLE, offers })

/**
 * Fires the lanes while another transaction holds `lock`, waits until `waiters` of them queue on it,
 * then lets go: every lane has looked the code up and found it free, so SQL alone must settle the race.
 */
async function whileLocked<T>(lock: (trx: Kysely<DB>) => Promise<unknown>, waiters: number, fire: () => Promise<T>): Promise<T> {
  let fired!: Promise<T>
  await tdb.db.transaction().execute(async (trx) => {
    await lock(trx)
    fired = fire()
    fired.catch(() => {})
    for (let i = 0; ; i++) {
      const r = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(tdb.db)
      if (r.rows[0]!.n >= waiters) break
      if (i > 1000) throw new Error(`only ${r.rows[0]!.n} lanes queued on the lock`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  })
  return fired
}

describe('POST /v1/redemptions/quote', () => {
  it('answers what would come off the bill and writes nothing', async () => {
    const l = await list(h1, '4001')
    const res = await api.quote({ codes: [l.codes[0]!] })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ redeemed: [{ code: l.codes[0], offerId: 'O1', sku: '1001', discountCents: 100 }], rejected: [], totalDiscountCents: 100 })
    expect((await instanceState(tdb, l.codes[0]!)).redeemed_at).toBeNull()
    expect(await liveLines(tdb)).toBe(0)
  })

  it('applies every offer of a scanned list whose item is in the basket', async () => {
    const l = await list(h1, '4001', [o1, o2, { offerId: 'O1', sku: '7777' }])
    const res = await api.quote({ codes: [l.listCode] })
    // 20% of the one required unit at 250
    expect(res.json().redeemed.map((r: { code: string; discountCents: number }) => [r.code, r.discountCents])).toEqual([
      [l.codes[0], 100],
      [l.codes[1], 50],
    ])
  })

  it('applies the list with the loyalty card alone', async () => {
    const l = await list(h1, '4001')
    const res = await api.quote({ cardNumber: '4001' })
    expect(res.json().redeemed.map((r: { code: string }) => r.code).sort()).toEqual([...l.codes].sort())
    expect(res.json().rejected).toEqual([])
  })

  it('refuses a forged code even when a row carries it: the check comes before the lookup', async () => {
    const l = await list(h1, '4001')
    const genuine = l.codes[0]!
    const forged = genuine.slice(0, -1) + (genuine.endsWith('0') ? '1' : '0')
    await tdb.db.updateTable('offer_instance').set({ code: forged }).where('code', '=', genuine).execute()
    const res = await api.quote({ codes: [forged, 'NOT-A-CODE'] })
    expect(res.json().rejected).toEqual([
      { code: forged, reason: 'unknown_or_forged' },
      { code: 'NOT-A-CODE', reason: 'unknown_or_forged' },
    ])
  })

  it("refuses another household's offer or list when a card is presented", async () => {
    await list(h1, '4001')
    const theirs = await list(h2, '4002')
    const res = await api.quote({ cardNumber: '4001', codes: [theirs.codes[0]!, theirs.listCode] })
    const rejected = res.json().rejected
    expect(rejected).toEqual(
      expect.arrayContaining([
        { code: theirs.codes[0], reason: 'other_household' },
        { code: theirs.listCode, reason: 'other_household' },
      ]),
    )
    expect(res.json().redeemed.every((r: { code: string }) => !theirs.codes.includes(r.code))).toBe(true)
  })

  it('judges validity on the store-local calendar', async () => {
    const l = await list(h1, '4001', [{ ...o1, expiresOn: '2026-11-24' }, { ...o2, validFrom: '2026-11-26' }])
    const res = await api.quote({ codes: l.codes })
    expect(res.json().rejected).toEqual([
      { code: l.codes[0], reason: 'expired' },
      { code: l.codes[1], reason: 'not_yet_valid' },
    ])
    // 03:00 UTC on the 25th is still the evening of the 24th in Chicago.
    const evening = await buildTestApp(tdb, { now: () => new Date('2026-11-25T03:00:00Z') })
    const late = await redemptionClient(evening, () => cashier).quote({ codes: [l.codes[0]!] })
    expect(late.json().redeemed).toHaveLength(1)
  })

  it('refuses the offers of a household that opted out since', async () => {
    const l = await list(h1, '4001')
    await tdb.db.updateTable('household').set({ opted_in: false }).where('id', '=', h1).execute()
    const res = await api.quote({ codes: [l.codes[0]!, l.listCode] })
    expect(res.json().rejected.map((r: { reason: string }) => r.reason)).toEqual(['household_opted_out', 'household_opted_out'])
  })

  it('needs the item, in the quantity the offer asks for', async () => {
    const l = await list(h1, '4001', [o1, { ...o2, minQuantity: 3 }, { offerId: 'O1', sku: '5555' }])
    const res = await api.quote({ codes: l.codes })
    expect(res.json().rejected).toEqual([
      { code: l.codes[1], reason: 'quantity_too_low' },
      { code: l.codes[2], reason: 'item_not_in_basket' },
    ])
  })

  it('takes the reward printed in the list snapshot when the instance has none', async () => {
    const l = await list(h1, '4001', [{ offerId: 'O1', sku: '1001', valueCents: 500, reward: { kind: 'percent_off', percent: 50 }, inSnapshot: true }])
    const res = await api.quote({ codes: l.codes })
    expect(res.json().redeemed[0].discountCents).toBe(Math.round(349 * 0.5))
  })

  it('is for cashier and pos keys acting for their own stores', async () => {
    const l = await list(h1, '4001')
    expect((await api.quote({ codes: l.codes }, await authHeader(tdb, 'analyst'))).statusCode).toBe(403)
    expect((await api.quote({ storeId: 'S2', codes: l.codes }, await authHeader(tdb, 'pos', ['S1']))).statusCode).toBe(403)
    expect((await api.quote({ codes: l.codes }, await authHeader(tdb, 'pos', ['S1']))).statusCode).toBe(200)
  })
})

describe('POST /v1/redemptions', () => {
  it('redeems once: the instance, the line and the offer budget record it', async () => {
    const l = await list(h1, '4001')
    const res = await api.commit({ codes: [l.codes[0]!] })
    expect(res.statusCode).toBe(201)
    expect(res.json().redeemed).toEqual([{ code: l.codes[0], offerId: 'O1', sku: '1001', discountCents: 100 }])
    expect(await instanceState(tdb, l.codes[0]!)).toMatchObject({ redeemed_store_id: 'S1', redeemed_transaction_id: 'T1' })
    expect(await budgetUse(tdb, 'O1')).toEqual({ count: 1, cents: 100 })
    const again = await api.commit({ transactionId: 'T2', codes: [l.codes[0]!] })
    expect(again.json()).toEqual({ redeemed: [], rejected: [{ code: l.codes[0], reason: 'already_redeemed' }], totalDiscountCents: 0 })
  })

  it('gives exactly one success when twenty lanes commit one code at once', async () => {
    const l = await list(h1, '4001')
    const lockInstance = (trx: Kysely<DB>) => sql`SELECT 1 FROM offer_instance WHERE code = ${l.codes[0]!} FOR UPDATE`.execute(trx)
    const fire = () => Promise.all(Array.from({ length: 20 }, (_, i) => api.commit({ lane: String(i), transactionId: `R${i}`, codes: [l.codes[0]!] })))
    const results = await whileLocked(lockInstance, 20, fire)
    expect(results.every((r) => r.statusCode === 201)).toBe(true)
    const wins = results.filter((r) => r.json().redeemed.length === 1)
    expect(wins).toHaveLength(1)
    expect(results.filter((r) => r.json().rejected[0]?.reason === 'already_redeemed')).toHaveLength(19)
    expect(await liveLines(tdb, l.codes[0])).toBe(1)
    expect(await budgetUse(tdb, 'O1')).toEqual({ count: 1, cents: 100 })
  })

  it('holds a redemption budget under concurrency: the first N win, the rest give their instance back', async () => {
    await makeFundedOffer(tdb.db, { id: 'B3', sku: '1001', budgetCount: 3 })
    const codes: string[] = []
    for (let i = 0; i < 10; i++) {
      const h = await makeHousehold(tdb.db, { cards: [`50${i}`] })
      codes.push((await list(h, `50${i}`, [{ offerId: 'B3', sku: '1001' }])).codes[0]!)
    }
    await tdb.db.insertInto('offer_budget').values({ offer_id: 'B3' }).execute()
    const lockBudget = (trx: Kysely<DB>) => sql`SELECT 1 FROM offer_budget WHERE offer_id = 'B3' FOR UPDATE`.execute(trx)
    const results = await whileLocked(lockBudget, 10, () => Promise.all(codes.map((code, i) => api.commit({ transactionId: `B${i}`, codes: [code] }))))
    const reasons = results.map((r) => (r.json().redeemed.length === 1 ? 'redeemed' : r.json().rejected[0].reason))
    expect(reasons.filter((r) => r === 'redeemed')).toHaveLength(3)
    expect(reasons.filter((r) => r === 'budget_exhausted')).toHaveLength(7)
    expect(await budgetUse(tdb, 'B3')).toEqual({ count: 3, cents: 300 })
    const held = await sql<{ n: number }>`SELECT count(*)::int AS n FROM offer_instance WHERE offer_id = 'B3' AND redeemed_at IS NOT NULL`.execute(tdb.db)
    expect(held.rows[0]!.n).toBe(3)
    expect((await api.quote({ codes: [codes[reasons.indexOf('budget_exhausted')]!] })).json().rejected[0].reason).toBe('budget_exhausted')
  })

  it('answers a replay with the stored result, also when replays race, and refuses a changed request', async () => {
    const l = await list(h1, '4001')
    const first = await api.commit({ cardNumber: '4001', codes: [l.listCode] })
    const replays = await Promise.all(Array.from({ length: 5 }, () => api.commit({ cardNumber: '4001', codes: [l.listCode] })))
    for (const r of replays) {
      expect(r.statusCode).toBe(201)
      expect(r.json()).toEqual(first.json())
    }
    expect(await liveLines(tdb)).toBe(2)
    const changed = await api.commit({ cardNumber: '4001', codes: [l.listCode], items: [BASKET[0]!] })
    expect(changed.statusCode).toBe(409)
  })

  it('settles concurrent first posts of one transaction to one answer', async () => {
    const l = await list(h1, '4001')
    const results = await Promise.all(Array.from({ length: 8 }, () => api.commit({ transactionId: 'SAME', codes: l.codes })))
    for (const r of results) expect(r.json()).toEqual(results[0]!.json())
    expect(results[0]!.json().redeemed).toHaveLength(2)
    expect(await liveLines(tdb)).toBe(2)
  })
})

describe('voids and returns', () => {
  it('a void restores the offers and their budget, once, and reports show the reversal', async () => {
    const l = await list(h1, '4001')
    await api.commit({ codes: l.codes })
    const res = await api.void({ transactionId: 'T1' })
    expect(res.statusCode).toBe(200)
    expect(res.json().voided.map((v: { code: string; restored: boolean; reason: string }) => [v.code, v.restored, v.reason]).sort()).toEqual(
      l.codes.map((c) => [c, true, 'void']).sort(),
    )
    expect((await instanceState(tdb, l.codes[0]!)).redeemed_at).toBeNull()
    expect(await budgetUse(tdb, 'O1')).toEqual({ count: 0, cents: 0 })
    expect((await api.void({ transactionId: 'T1' })).json()).toEqual(res.json())
    expect(await budgetUse(tdb, 'O1')).toEqual({ count: 0, cents: 0 })
    expect((await api.commit({ transactionId: 'T2', codes: [l.codes[0]!] })).json().redeemed).toHaveLength(1)
    const analyst = await authHeader(tdb, 'analyst')
    const summary = await app.inject({ method: 'GET', url: '/v1/redemptions/summary?from=2026-11-25&to=2026-11-25', headers: analyst })
    expect(summary.json().offers).toEqual([
      { offerId: 'O1', redeemedCount: 1, redeemedCents: 100, voidedCount: 1, voidedCents: 100 },
      { offerId: 'O2', redeemedCount: 0, redeemedCents: 0, voidedCount: 1, voidedCents: 50 },
    ])
  })

  it('a return of one item restores only its offer; an unknown transaction is 404', async () => {
    const l = await list(h1, '4001')
    await api.commit({ codes: l.codes })
    const res = await api.void({ transactionId: 'T1', skus: ['1002'] })
    expect(res.json().voided.map((v: { code: string; reason: string }) => [v.code, v.reason])).toEqual([[l.codes[1], 'return']])
    expect((await instanceState(tdb, l.codes[0]!)).redeemed_at).not.toBeNull()
    expect((await instanceState(tdb, l.codes[1]!)).redeemed_at).toBeNull()
    expect((await api.void({ transactionId: 'NOPE' })).statusCode).toBe(404)
  })

  it('a returned item in a basket restores the offer once, however often the basket is replayed', async () => {
    const l = await list(h1, '4001')
    await api.commit({ cardNumber: '4001', codes: [l.codes[0]!] })
    const pos = await authHeader(tdb, 'pos', ['S1'])
    const ret = { id: 'RET1', storeId: 'S1', lane: '2', cardNumber: '4001', occurredAt: '2026-11-25T13:00:00-06:00', items: [{ sku: '1001', quantity: -1, unitPriceCents: 349 }] }
    const post = () => app.inject({ method: 'POST', url: '/v1/transactions', headers: pos, payload: ret })
    expect((await post()).statusCode).toBe(201)
    expect((await instanceState(tdb, l.codes[0]!)).redeemed_at).toBeNull()
    expect(await budgetUse(tdb, 'O1')).toEqual({ count: 0, cents: 0 })
    await api.commit({ transactionId: 'T2', cardNumber: '4001', codes: [l.codes[0]!] })
    expect((await post()).statusCode).toBe(201)
    expect((await instanceState(tdb, l.codes[0]!)).redeemed_transaction_id).toBe('T2')
  })

  it('two return baskets of one SKU in one batch restore two redemptions, latest first, once', async () => {
    const l = await list(h1, '4001', [o1, o1])
    await api.commit({ transactionId: 'T1', cardNumber: '4001', codes: [l.codes[0]!] })
    await api.commit({ transactionId: 'T2', cardNumber: '4001', codes: [l.codes[1]!] })
    expect(await budgetUse(tdb, 'O1')).toEqual({ count: 2, cents: 200 })
    const pos = await authHeader(tdb, 'pos', ['S1'])
    const ret = (id: string) => ({ id, storeId: 'S1', lane: '2', cardNumber: '4001', occurredAt: '2026-11-25T13:00:00-06:00', items: [{ sku: '1001', quantity: -1, unitPriceCents: 349 }] })
    const first = await app.inject({ method: 'POST', url: '/v1/transactions', headers: pos, payload: [ret('RET1')] })
    expect(first.statusCode).toBe(200)
    // One redemption went back (both were made at the same instant of the test clock: either one).
    const held = async () => (await Promise.all(l.codes.map((c) => instanceState(tdb, c)))).filter((i) => i.redeemed_at !== null).length
    expect(await held()).toBe(1)
    expect(await budgetUse(tdb, 'O1')).toEqual({ count: 1, cents: 100 })
    const batch = () => app.inject({ method: 'POST', url: '/v1/transactions', headers: pos, payload: [ret('RET1'), ret('RET2'), ret('RET3')] })
    expect((await batch()).statusCode).toBe(200)
    expect((await batch()).statusCode).toBe(200)
    // RET1 replayed restores nothing more; RET2 takes the other one; RET3 finds none left.
    expect(await held()).toBe(0)
    expect(await budgetUse(tdb, 'O1')).toEqual({ count: 0, cents: 0 })
    const returns = await tdb.db.selectFrom('redemption_return').select(['transaction_id', 'code']).orderBy('transaction_id').execute()
    expect(returns.map((r) => r.transaction_id)).toEqual(['RET1', 'RET2', 'RET3'])
    expect(new Set(returns.slice(0, 2).map((r) => r.code))).toEqual(new Set(l.codes))
    expect(returns[2]!.code).toBeNull()
  })
})
