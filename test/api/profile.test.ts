import pino from 'pino'
import { beforeEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { DEFAULT_SETTINGS, isoToDay, predictLists } from '../../src/modules/predictions/predictions.service.ts'
import { AppError } from '../../src/errors.ts'
import {
  createProfileModel,
  defaultModelSettings,
  explainPredictions,
  FITTING_RETRY_AFTER_S,
  householdProfile,
  warmProfiles,
} from '../../src/modules/segments/profile.service.ts'
import { DEFAULT_SEGMENT_PARAMS } from '../../src/modules/segments/segments.model.ts'
import { authHeader, buildTestApp } from '../helpers/app.ts'
import { createTestDb, testLog } from '../helpers/db.ts'
import { daysBefore, makeBasket, makeHousehold, makeProduct } from '../helpers/factories.ts'

let clock = new Date('2026-03-10T12:00:00Z')
const tdb = await createTestDb({ now: () => clock })
const app = await buildTestApp(tdb, { now: () => clock })
const db = tdb.db

const MILK = 'FLUID MILK PRODUCTS'
let analyst: { authorization: string }
let household: number

beforeEach(async () => {
  await tdb.truncate()
  clock = new Date('2026-03-10T12:00:00Z')
  analyst = await authHeader(tdb, 'analyst')
  await makeProduct(db, { sku: 'MILK-S', name: 'Store Milk 1 GAL', subcategory: MILK, brandType: 'store' })
  await makeProduct(db, { sku: 'MILK-N', subcategory: MILK, brandType: 'national' })
  await makeProduct(db, { sku: 'DOG', name: 'Dog Chow 20 LB', subcategory: 'DOG FOODS' })
  household = await makeHousehold(db, { externalId: 'H-1', optedIn: true, cards: ['4001', '4002'] })
  // a weekly store-milk and dog-food shopper, about $40 a week for ten weeks before Mar 8
  for (let week = 1; week <= 10; week++) {
    await makeBasket(db, {
      householdId: household,
      at: daysBefore(new Date('2026-03-08T10:00:00Z'), 7 * (week - 1)),
      cardNumber: '4001',
      lines: [{ sku: 'MILK-S', quantity: 2, unitPriceCents: 500 }, { sku: 'DOG', unitPriceCents: 3_000 }],
    })
  }
  // a smaller national-milk buyer so the household is ranked against someone
  const other = await makeHousehold(db, { externalId: 'H-2', cards: ['5001'] })
  await makeBasket(db, { householdId: other, at: '2026-03-01T10:00:00Z', lines: [{ sku: 'MILK-N', unitPriceCents: 400 }] })
})

const profile = (card: string, query = '', headers: Record<string, string> = analyst) =>
  app.inject({ method: 'GET', url: `/v1/households/${encodeURIComponent(card)}/profile${query}`, headers })

function expectProblem(res: { statusCode: number; headers: Record<string, unknown> }, status: number) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/)
}

describe('GET /v1/households/:cardNumber/profile', () => {
  it('returns loyalty, RFM, tier, segments, attributes and predictions of the card household', async () => {
    const res = await profile('4002', '?asOf=2026-03-09')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({
      cardNumber: '4002',
      householdId: 'H-1',
      asOf: '2026-03-09T00:00:00.000Z',
      optedIn: true,
      qualified: true,
      weeklySpendCents: 4_000,
      tier: 'platinum',
      segments: expect.arrayContaining([{ category: MILK, brandLoyalty: 'store-loyal', usage: expect.any(String), units: 20, nationalShare: 0 }]),
      attributes: { petOwner: true, baby: false, produceHeavy: false },
    })
    expect(body.rfm).toMatchObject({ code: `${body.rfm.r}${body.rfm.f}${body.rfm.m}`, recencyDays: 0, frequency: 10, monetaryCents: 40_000 })
    // ranked against the smaller household: the more recent, frequent, bigger spender scores higher
    const other = (await profile('5001', '?asOf=2026-03-09')).json()
    for (const k of ['r', 'f', 'm'] as const) expect(body.rfm[k]).toBeGreaterThan(other.rfm[k])
    expect(other).toMatchObject({ qualified: false, tier: 'lead', predictions: [] })
  })

  it("lists the household's top predictions as pantry predict gives them, each with its reason", async () => {
    const body = (await profile('4002', '?asOf=2026-03-09')).json()
    const loyal = { ...DEFAULT_SETTINGS, customers: 'loyal' as const, loyalty: { weeklyCents: 2_500, weeks: 8 } }
    const listed = []
    for await (const p of predictLists(tdb.ctx, loyal, isoToDay('2026-03-09')!, 10)) listed.push(p)
    const mine = listed.find((p) => p.householdId === 'H-1')!
    expect(body.predictions).toEqual(await explainPredictions(tdb.ctx, mine.items, new Date('2026-03-09T00:00:00Z')))
    expect(body.predictions.map((p: { sku: string }) => p.sku).sort()).toEqual(['DOG', 'MILK-S'])
    expect(body.predictions.find((p: { sku: string }) => p.sku === 'MILK-S')).toMatchObject({
      name: 'Store Milk 1 GAL',
      lastPurchased: '2026-03-08',
      reason: expect.stringMatching(/^bought every ~\d+ days, last on Mar 8, /),
    })
  })

  it("defaults asOf to the start of the injected clock's UTC day", async () => {
    const body = (await profile('4001')).json()
    expect(body.asOf).toBe('2026-03-10T00:00:00.000Z')
    // last visit Mar 8 10:00: one whole day before Mar 10 00:00
    expect(body.rfm.recencyDays).toBe(1)
    expect((await profile('4001', '?asOf=2026-03-10')).json()).toEqual(body)
  })

  it('replays a past date: later baskets do not change it', async () => {
    const before = (await profile('4001', '?asOf=2026-02-01')).json()
    const latest = (await profile('4001')).json()
    await makeBasket(db, { householdId: household, at: '2026-02-15T10:00:00Z', lines: [{ sku: 'MILK-N', quantity: 40, unitPriceCents: 600 }] })
    await makeBasket(db, { householdId: household, at: '2026-02-01T00:00:00Z', lines: [{ sku: 'MILK-N', quantity: 40, unitPriceCents: 600 }] })
    expect((await profile('4001', '?asOf=2026-02-01')).json()).toEqual(before)
    expect((await profile('4001')).json()).not.toEqual(latest)
  })

  it('shows a household without purchases as not qualified, without RFM or tier', async () => {
    await makeHousehold(db, { externalId: 'H-new', optedIn: true, cards: ['9001'] })
    const body = (await profile('9001')).json()
    expect(body).toMatchObject({ qualified: false, weeklySpendCents: 0, rfm: null, tier: null, segments: [], predictions: [] })
    expect(body.attributes).toMatchObject({ petOwner: false, baby: false, produceHeavy: false })
  })

  it('needs an analyst or admin key', async () => {
    expectProblem(await profile('4001', '', {}), 401)
    expectProblem(await profile('4001', '', await authHeader(tdb, 'pos', ['s1'])), 403)
    expectProblem(await profile('4001', '', await authHeader(tdb, 'cashier', ['s1'])), 403)
    expect((await profile('4001', '', await authHeader(tdb, 'admin'))).statusCode).toBe(200)
  })

  it('answers 404 for an unknown card and 400 for a bad or future asOf', async () => {
    const missing = await profile('0000')
    expectProblem(missing, 404)
    expect(missing.json().detail).toMatch(/0000/)
    for (const q of ['?asOf=2026-02-30', '?asOf=yesterday', '?asOf=2026-3-1']) {
      const res = await profile('4001', q)
      expectProblem(res, 400)
      expect(res.json().errors[0].field).toMatch(/asOf/)
    }
    const future = await profile('4001', '?asOf=2026-03-11')
    expectProblem(future, 400)
    expect(future.json().errors[0].field).toMatch(/asOf/)
  })

  it('leaves GET /v1/households/:householdId alone', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/households/H-1', headers: analyst })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ householdId: 'H-1', transactions: 10 })
  })

  it('applies the configured loyalty threshold', async () => {
    const strict = await buildApp({ db, log: testLog, now: () => clock, segments: { ...DEFAULT_SEGMENT_PARAMS, loyalWeeklyCents: 5_000 } })
    try {
      const res = await strict.inject({ method: 'GET', url: '/v1/households/4001/profile?asOf=2026-03-09', headers: analyst })
      expect(res.json()).toMatchObject({ qualified: false, weeklySpendCents: 4_000, predictions: [] })
    } finally {
      await strict.close()
    }
  })
})

describe('householdProfile and the day population', () => {
  const settings = defaultModelSettings(DEFAULT_SEGMENT_PARAMS)
  const day = isoToDay('2026-03-09')!

  it('answers 503 with Retry-After while the day is still being fitted, then uses that fit', async () => {
    const model = createProfileModel(settings, 8, 0)
    const err = await householdProfile(tdb.ctx, { cardNumber: '4001', asOf: '2026-03-09', predictions: model }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect(err).toMatchObject({ status: 503, headers: { 'retry-after': String(FITTING_RETRY_AFTER_S) } })
    // The fits went on without the request; the retry gets them, and the same profile as an unhurried model's.
    await model.fits.get(tdb.ctx, settings, day)
    await model.cuts.get(tdb.ctx, DEFAULT_SEGMENT_PARAMS, day)
    const body = await householdProfile(tdb.ctx, { cardNumber: '4001', asOf: '2026-03-09', predictions: model })
    expect([model.fits.fitsStarted, model.cuts.started]).toEqual([1, 1])
    expect(body).toEqual((await profile('4001', '?asOf=2026-03-09')).json())
  })

  it('warms a day so that its profiles fit nothing', async () => {
    const model = createProfileModel(settings)
    await warmProfiles(tdb.ctx, model, DEFAULT_SEGMENT_PARAMS, day)
    expect([model.fits.fitsStarted, model.cuts.started]).toEqual([1, 1])
    for (const card of ['4001', '5001']) await householdProfile(tdb.ctx, { cardNumber: card, asOf: '2026-03-09', predictions: model })
    expect([model.fits.fitsStarted, model.cuts.started]).toEqual([1, 1])
  })
})

describe('GET /v1/households/:cardNumber/profile in a warming app', () => {
  it("fits today's population at start, logged, so the day's profiles fit nothing", async () => {
    const lines: Array<{ msg: string; ms?: number }> = []
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) })
    const warm = await buildApp({ db, log, now: () => clock, warmProfiles: true })
    try {
      await warm.ready()
      await expect.poll(() => lines.find((l) => l.msg === 'profile population fits ready'), { timeout: 60_000 }).toBeTruthy()
      const fitted = () => lines.filter((l) => l.msg.startsWith('fitted the population') || l.msg.startsWith('computed the segment cut points')).length
      expect(fitted()).toBe(2)
      const res = await warm.inject({ method: 'GET', url: '/v1/households/4001/profile', headers: analyst })
      expect(res.json()).toEqual((await profile('4001')).json())
      expect(fitted()).toBe(2)
    } finally {
      await warm.close()
    }
  }, 90_000)
})

describe('explainPredictions', () => {
  it('names each predicted item and gives its reason', async () => {
    const asOf = new Date('2026-03-09T00:00:00Z')
    const items = [
      { sku: 'MILK-S', probability: 0.91, expectedDate: '2026-03-09', cycleDays: 7, lastPurchased: '2026-03-08' },
      { sku: 'GONE', probability: 0.2, expectedDate: '2026-04-20', cycleDays: 60, lastPurchased: '2026-02-19' },
    ]
    expect(await explainPredictions(tdb.ctx, items, asOf)).toEqual([
      { sku: 'MILK-S', name: 'Store Milk 1 GAL', probability: 0.91, expectedDate: '2026-03-09', cycleDays: 7, lastPurchased: '2026-03-08', reason: 'bought every ~7 days, last on Mar 8, due now' },
      { sku: 'GONE', name: 'GONE', probability: 0.2, expectedDate: '2026-04-20', cycleDays: 60, lastPurchased: '2026-02-19', reason: 'bought every ~9 weeks, last on Feb 19, due around Apr 20' },
    ])
  })
})
