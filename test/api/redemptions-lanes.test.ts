import { sql } from 'kysely'
import { beforeEach, describe, expect, it } from 'vitest'
import { authHeader, buildTestApp } from '../helpers/app.ts'
import { createTestDb } from '../helpers/db.ts'
import { makeFundedOffer, makeHousehold, makeIssuedListWithOffers, makeStore } from '../helpers/factories.ts'
import { CYCLE, instanceState, liveLines, NOW, redemptionClient } from '../helpers/redemption.ts'

// Offline lanes, baskets posted with codes, GS1 coupons and the cashier's status lookup.

const tdb = await createTestDb()
const app = await buildTestApp(tdb, { now: () => NOW })
let cashier: Record<string, string>
const api = redemptionClient(app, () => cashier)
let h1: number

const GS1 = { companyPrefix: '0614141', offerCode: '654321' }

beforeEach(async () => {
  await tdb.truncate()
  cashier = await authHeader(tdb, 'cashier', ['S1', 'S2'])
  await makeStore(tdb.db, 'S1')
  h1 = await makeHousehold(tdb.db, { cards: ['4001'] })
  await makeFundedOffer(tdb.db, { id: 'O1', sku: '1001', reward: { kind: 'amount_off', amountCents: 100 } })
  await makeFundedOffer(tdb.db, { id: 'M1', sku: '1002', reward: { kind: 'amount_off', amountCents: 150 }, gs1: GS1 })
})

const list = () =>
  makeIssuedListWithOffers(tdb.db, {
    householdId: h1,
    cardNumber: '4001',
    cycleStart: CYCLE,
    offers: [
      { offerId: 'O1', sku: '1001', reward: { kind: 'amount_off', amountCents: 100 } },
      { offerId: 'M1', sku: '1002', valueCents: 150, reward: { kind: 'amount_off', amountCents: 150 }, gs1: GS1 },
    ],
  })

async function exceptions() {
  const res = await app.inject({ method: 'GET', url: '/v1/redemptions/exceptions', headers: await authHeader(tdb, 'analyst') })
  expect(res.statusCode).toBe(200)
  return res.json().exceptions as { kind: string; code: string; storeId: string; transactionId: string; otherStoreId: string | null; otherTransactionId: string | null }[]
}

describe('offline lanes', () => {
  it('accept each code once and record the double redemption across lanes for review', async () => {
    const l = await list()
    expect((await api.commit({ storeId: 'S1', transactionId: 'ON1', codes: [l.codes[0]!] })).json().redeemed).toHaveLength(1)
    const replay = { storeId: 'S2', lane: '7', transactionId: 'OFF1', codes: [l.codes[0]!, l.codes[1]!], offline: true, occurredAt: '2026-11-25T09:30:00-06:00' }
    const res = await api.commit(replay)
    expect(res.statusCode).toBe(201)
    expect(res.json().redeemed.map((r: { code: string }) => r.code)).toEqual([l.codes[1]])
    expect(res.json().rejected).toEqual([{ code: l.codes[0], reason: 'already_redeemed' }])
    expect(await exceptions()).toEqual([
      expect.objectContaining({ kind: 'double_redemption', code: l.codes[0], storeId: 'S2', transactionId: 'OFF1', otherStoreId: 'S1', otherTransactionId: 'ON1' }),
    ])
    // The lane replays the same batch again: same answer, nothing new recorded.
    expect((await api.commit(replay)).json()).toEqual(res.json())
    expect(await exceptions()).toHaveLength(1)
    expect(await liveLines(tdb, l.codes[0])).toBe(1)
  })

  it('leave exceptions an analyst marks reviewed, once, with a note', async () => {
    const l = await list()
    await api.commit({ storeId: 'S1', transactionId: 'ON1', codes: [l.codes[0]!] })
    await api.commit({ storeId: 'S2', transactionId: 'OFF1', codes: [l.codes[0]!], offline: true, occurredAt: '2026-11-25T09:30:00-06:00' })
    const [open] = (await exceptions()) as unknown as { id: number }[]
    const analyst = await authHeader(tdb, 'analyst')
    const review = (id: number, payload?: object) => app.inject({ method: 'POST', url: `/v1/redemptions/exceptions/${id}/review`, headers: analyst, payload })
    const first = await review(open!.id, { note: 'lane 7 was offline; paper list honoured' })
    expect(first.statusCode).toBe(200)
    expect(first.json()).toMatchObject({ id: open!.id, kind: 'double_redemption', reviewedAt: NOW.toISOString(), note: 'lane 7 was offline; paper list honoured' })
    // A second review (another analyst, a retry) keeps the first one.
    expect((await review(open!.id, { note: 'again' })).json()).toEqual(first.json())
    expect(await exceptions()).toEqual([])
    const all = await app.inject({ method: 'GET', url: '/v1/redemptions/exceptions?open=false', headers: analyst })
    expect(all.json().exceptions).toEqual([first.json()])
    const missing = await review(open!.id + 1000)
    expect(missing.statusCode, missing.body).toBe(404)
    const bad = await review(open!.id, { note: 7 })
    expect(bad.statusCode).toBe(400)
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/)
    expect((await app.inject({ method: 'POST', url: `/v1/redemptions/exceptions/${open!.id}/review`, headers: cashier, payload: {} })).statusCode).toBe(403)
  })

  it('are judged on the day they accepted the codes', async () => {
    const l = await list()
    await tdb.db.updateTable('offer_instance').set({ expires_on: '2026-11-24' }).where('code', '=', l.codes[0]!).execute()
    const offlineYesterday = await api.commit({ transactionId: 'OFF2', codes: [l.codes[0]!], offline: true, occurredAt: '2026-11-24T20:00:00-06:00' })
    expect(offlineYesterday.json().redeemed).toHaveLength(1)
    const onlineToday = await api.commit({ transactionId: 'ON2', codes: [l.codes[1]!], occurredAt: '2026-11-24T20:00:00-06:00' })
    expect(onlineToday.json().redeemed).toHaveLength(1)
    expect(await exceptions()).toEqual([])
  })
})

describe('POST /v1/transactions with redeemedCodes', () => {
  const basket = (id: string, codes: string[]) => ({
    id,
    storeId: 'S1',
    lane: '3',
    cardNumber: '4001',
    occurredAt: '2026-11-25T11:00:00-06:00',
    items: [
      { sku: '1001', quantity: 1, unitPriceCents: 349 },
      { sku: '1002', quantity: 1, unitPriceCents: 499 },
    ],
    redeemedCodes: codes,
  })

  it('stores the basket and redeems its codes in one step, idempotently', async () => {
    const l = await list()
    const pos = await authHeader(tdb, 'pos', ['S1'])
    const post = () => app.inject({ method: 'POST', url: '/v1/transactions', headers: pos, payload: basket('B1', [l.codes[0]!]) })
    const first = await post()
    expect(first.statusCode).toBe(201)
    // Only what the lane scanned: a basket is a sale already rung up, the card's other offers were not given.
    expect(first.json().redemption).toEqual({ redeemed: [{ code: l.codes[0], offerId: 'O1', sku: '1001', discountCents: 100 }], rejected: [], totalDiscountCents: 100 })
    expect(await instanceState(tdb, l.codes[0]!)).toMatchObject({ redeemed_store_id: 'S1', redeemed_transaction_id: 'B1' })
    const replay = await post()
    expect(replay.json()).toEqual(first.json())
    expect(await liveLines(tdb)).toBe(1)
  })

  it('keeps a redemption the lane made online before posting the basket', async () => {
    const l = await list()
    const online = await api.commit({ transactionId: 'B2', cardNumber: '4001', codes: [l.codes[0]!] })
    const pos = await authHeader(tdb, 'pos', ['S1'])
    const res = await app.inject({ method: 'POST', url: '/v1/transactions', headers: pos, payload: { transactions: [basket('B2', [l.codes[0]!])] } })
    expect(res.statusCode).toBe(200)
    expect(res.json().results[0].redemption).toEqual(online.json())
    const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pos_transaction WHERE pos_transaction_id = 'B2'`.execute(tdb.db)
    expect(stored.rows[0]!.n).toBe(1)
  })
})

describe('GS1 (8110) coupons', () => {
  it('redeem by their keyed serial; a serial with a broken check is refused', async () => {
    const l = await list()
    const gs1 = l.gs1[1]!
    const forged = gs1.replace(/(\d)$/, (d) => String((Number(d) + 1) % 10))
    const quote = await api.quote({ codes: [forged] })
    expect(quote.json().rejected).toEqual([{ code: forged.trim(), reason: 'unknown_or_forged' }])
    const res = await api.commit({ codes: [gs1.replace(/[()]/g, '')] })
    expect(res.json().redeemed).toEqual([{ code: gs1, offerId: 'M1', sku: '1002', discountCents: 150 }])
    expect((await instanceState(tdb, l.codes[1]!)).redeemed_transaction_id).toBe('T1')
  })
})

describe('GET /v1/redemptions/codes/:code', () => {
  it("shows an offer's or a list's status; an unknown code is 404", async () => {
    const l = await list()
    expect((await api.status(l.codes[0]!)).json()).toMatchObject({ kind: 'offer', code: l.codes[0], status: 'available', redeemedAt: null })
    await api.commit({ codes: [l.codes[0]!] })
    expect((await api.status(l.codes[0]!.toLowerCase())).json()).toMatchObject({ status: 'redeemed', redeemedAt: NOW.toISOString() })
    const listed = (await api.status(l.listCode)).json()
    expect(listed.kind).toBe('list')
    expect(listed.offers.map((o: { status: string }) => o.status).sort()).toEqual(['available', 'redeemed'])
    expect((await api.status(l.gs1[1]!)).json()).toMatchObject({ kind: 'offer', code: l.codes[1] })
    expect((await api.status('C0000000000000000000')).statusCode).toBe(404)
  })
})
