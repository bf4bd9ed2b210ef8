import { sql } from 'kysely'
import { beforeEach, describe, expect, it } from 'vitest'
import { funderCycleUse, offerBudgetUse } from '../../src/modules/offers/offers.repository.ts'
import { authHeader, buildTestApp } from '../helpers/app.ts'
import { createTestDb } from '../helpers/db.ts'

let clock = new Date('2026-03-01T10:00:00Z')
const tdb = await createTestDb({ now: () => clock })
const app = await buildTestApp(tdb, { now: () => clock })

let admin: { authorization: string }
beforeEach(async () => {
  await tdb.truncate()
  clock = new Date('2026-03-01T10:00:00Z')
  admin = await authHeader(tdb, 'admin')
})

const store = { id: 'store', type: 'store', name: 'Pantry Foods' }
const mills = { id: 'GENMILLS', type: 'manufacturer', name: 'General Mills', gs1CompanyPrefix: '016000', capCents: 500_000 }

const cereal = {
  id: 'OFF-CEREAL',
  funderId: 'GENMILLS',
  title: '$1 off Cheerios',
  target: { brand: 'Cheerios', subcategory: 'COLD CEREAL' },
  reward: { kind: 'amount_off', amountCents: 100 },
  budgetCents: 250_000,
  budgetCount: 5_000,
  funderShare: 0.8,
  targeting: { cells: [{ subcategory: 'COLD CEREAL', brandLoyalty: 'swing' }], tiers: ['platinum', 'gold'] },
  usageMultipliers: { high: 1.5 },
  gs1OfferCode: '123456',
}
const milk = {
  id: 'CONV-MILK',
  funderId: 'store',
  title: 'Try our milk',
  target: { skus: ['SB-MILK-1', 'SB-MILK-2'], subcategory: 'FLUID MILK' },
  reward: { kind: 'percent_off', percent: 30 },
  minQuantity: 2,
  validFrom: '2026-03-02',
  validTo: '2026-03-15',
  conversion: { fromBrandType: 'national' },
}

const put = (body: unknown, headers = admin) => app.inject({ method: 'PUT', url: '/v1/offers', headers, payload: body as object })
const get = (id: string, headers = admin) => app.inject({ method: 'GET', url: `/v1/offers/${encodeURIComponent(id)}`, headers })

function expectProblem(res: { statusCode: number; headers: Record<string, unknown> }, status: number) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/)
}

const fields = (res: { json(): { errors?: { field: string }[] } }) => res.json().errors?.map((e) => e.field)

describe('PUT /v1/offers', () => {
  it('creates funders and offers; GET returns them with defaults and budget use', async () => {
    const res = await put({ funders: [store, mills], offers: [cereal, milk] })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ created: 2, updated: 0, unchanged: 0, funders: { created: 2, updated: 0, unchanged: 0 } })
    const got = (await get('OFF-CEREAL')).json()
    expect(got).toMatchObject({
      id: 'OFF-CEREAL',
      funder: { ...mills },
      target: { skus: [], brand: 'Cheerios', category: null, subcategory: 'COLD CEREAL' },
      reward: { kind: 'amount_off', amountCents: 100 },
      minQuantity: 1,
      validFrom: null,
      validTo: null,
      perHouseholdLimit: 1,
      funderShare: 0.8,
      targeting: cereal.targeting,
      conversion: null,
      usageMultipliers: { low: 1, medium: 1, high: 1.5 },
      active: true,
      gs1OfferCode: '123456',
      budget: { issuedCents: 0, issuedCount: 0, redeemedCents: 0, redeemedCount: 0, remainingCents: 250_000, remainingCount: 5_000 },
      createdAt: clock.toISOString(),
    })
    expect((await get('CONV-MILK')).json()).toMatchObject({
      funder: { id: 'store', type: 'store', gs1CompanyPrefix: null, capCents: null },
      reward: { kind: 'percent_off', percent: 30 },
      conversion: { fromBrandType: 'national' },
      validFrom: '2026-03-02',
      budget: { remainingCents: null, remainingCount: null },
    })
  })

  it('is idempotent: the same PUT changes nothing, not even updatedAt; a change is an update', async () => {
    await put({ funders: [store, mills], offers: [cereal, milk] })
    clock = new Date('2026-03-02T10:00:00Z')
    expect((await put({ funders: [store, mills], offers: [cereal, milk] })).json()).toEqual({
      created: 0,
      updated: 0,
      unchanged: 2,
      funders: { created: 0, updated: 0, unchanged: 2 },
    })
    expect((await get('OFF-CEREAL')).json().updatedAt).toBe('2026-03-01T10:00:00.000Z')
    const changed = await put([{ ...cereal, targeting: { tiers: ['platinum'] } }, milk])
    expect(changed.json()).toEqual({ created: 0, updated: 1, unchanged: 1, funders: { created: 0, updated: 0, unchanged: 0 } })
    expect((await get('OFF-CEREAL')).json()).toMatchObject({ targeting: { tiers: ['platinum'] }, updatedAt: clock.toISOString() })
  })

  it('names every bad field with problem+json, and writes nothing', async () => {
    const res = await put({
      funders: [store, { id: 'NOPREFIX', type: 'manufacturer', name: 'Acme' }],
      offers: [
        { ...cereal, reward: { kind: 'amount_off', amountCents: -5 } },
        { ...milk, targeting: { cells: [{ subcategory: 'FLUID MILK', brandLoyalty: 'loyal' }] } },
        { ...milk, id: 'X1', validFrom: '2026-03-10', validTo: '2026-03-01' },
        { ...milk, id: 'X2', target: {} },
        { ...milk, id: 'X3', validTo: '2026-02-30' },
        { ...cereal, id: 'X4', gs1OfferCode: '12345', reward: { kind: 'fixed_price', priceCents: 199 } },
        { ...milk, id: 'X5', targeting: { tier: ['gold'] } },
        { ...milk, id: 'X6', validFrom: '2026-13-45' },
      ],
    })
    expectProblem(res, 400)
    expect(res.json().code).toBe('VALIDATION_FAILED')
    expect(fields(res)).toEqual(
      expect.arrayContaining([
        'funders[1].gs1CompanyPrefix',
        'offers[0].reward.amountCents',
        'offers[1].targeting.cells[0].brandLoyalty',
        'offers[2].validTo',
        'offers[3].target',
        'offers[4].validTo',
        'offers[5].gs1OfferCode',
        'offers[5].usageMultipliers',
        'offers[6].targeting',
        'offers[7].validFrom',
      ]),
    )
    expectProblem(await get('OFF-CEREAL'), 404)
    const twice = await put({ funders: [store, store], offers: [milk, milk] })
    expectProblem(twice, 400)
    expect(fields(twice)).toEqual(['funders[1].id', 'offers[1].id'])
  })

  it('refuses an unknown funder and a GS1 code on a store offer, rolling back the funders of the request', async () => {
    const unknown = await put({ funders: [mills], offers: [cereal, { ...milk, funderId: 'nobody' }] })
    expectProblem(unknown, 400)
    expect(unknown.json().errors).toEqual([{ field: 'offers[1].funderId', message: expect.stringMatching(/unknown funder nobody/) }])
    const storeCode = await put({ funders: [store], offers: [{ ...milk, gs1OfferCode: '654321' }] })
    expectProblem(storeCode, 400)
    expect(fields(storeCode)).toEqual(['offers[0].gs1OfferCode'])
    // nothing of either request was written: the store funder is still unknown
    expect(fields(await put([milk]))).toEqual(['offers[0].funderId'])
  })

  it('keeps a GS1 offer code to one offer of its funder', async () => {
    await put({ funders: [mills], offers: [cereal] })
    const clash = await put([{ ...cereal, id: 'OFF-OTHER' }])
    expectProblem(clash, 409)
    expect(clash.json().errors).toEqual([{ field: 'offers[0].gs1OfferCode', message: 'already used by offer OFF-CEREAL of funder GENMILLS' }])
    const twice = await put([cereal, { ...cereal, id: 'OFF-OTHER' }])
    expectProblem(twice, 400)
    expect(fields(twice)).toEqual(['offers[1].gs1OfferCode'])
    expect((await put([{ ...cereal, id: 'OFF-OTHER', gs1OfferCode: '123457' }])).statusCode).toBe(200)
  })

  it('requires an admin key to write; analysts may read', async () => {
    expectProblem(await app.inject({ method: 'PUT', url: '/v1/offers', payload: { offers: [] } }), 401)
    const analyst = await authHeader(tdb, 'analyst')
    expectProblem(await put({ funders: [store], offers: [milk] }, analyst), 403)
    await put({ funders: [store], offers: [milk] })
    expect((await get('CONV-MILK', analyst)).statusCode).toBe(200)
    expectProblem(await get('CONV-MILK', await authHeader(tdb, 'pos', ['s1'])), 403)
    expectProblem(await get('nope'), 404)
  })
})

describe('budget use', () => {
  async function instance(code: string, offerId: string, valueCents: number, cycleStart: string, redeemed = false) {
    await sql`
      INSERT INTO offer_instance (household_id, code, cycle_start, list_code, offer_id, sku, value_cents, valid_from, expires_on, redeemed_at)
      VALUES (1, ${code}, ${cycleStart}, 'L1', ${offerId}, 'SKU', ${valueCents}, ${cycleStart}, '2026-03-15',
              ${redeemed ? clock : null})`.execute(tdb.db)
  }

  it('counts face value issued and redeemed against the budget, and the funder share per cycle', async () => {
    await put({ funders: [store, mills], offers: [cereal, milk] })
    await instance('A', 'OFF-CEREAL', 100, '2026-03-02', true)
    await instance('B', 'OFF-CEREAL', 150, '2026-03-02')
    await instance('C', 'OFF-CEREAL', 101, '2026-02-16', true)
    await instance('D', 'CONV-MILK', 90, '2026-03-02')
    expect((await get('OFF-CEREAL')).json().budget).toEqual({
      issuedCents: 351,
      issuedCount: 3,
      redeemedCents: 201,
      redeemedCount: 2,
      remainingCents: 250_000 - 351,
      remainingCount: 4_997,
    })
    const use = await offerBudgetUse(tdb.db, ['OFF-CEREAL', 'CONV-MILK', 'NONE'])
    expect(use.get('NONE')).toEqual({ issuedCents: 0, issuedCount: 0, redeemedCents: 0, redeemedCount: 0 })
    expect(use.get('CONV-MILK')).toMatchObject({ issuedCents: 90, issuedCount: 1 })
    // 80 % of 100 and of 150, each rounded up, in the cycle of 2026-03-02 only
    expect(await funderCycleUse(tdb.db, ['GENMILLS', 'store'], '2026-03-02')).toEqual(new Map([['GENMILLS', 200], ['store', 90]]))
  })
})
