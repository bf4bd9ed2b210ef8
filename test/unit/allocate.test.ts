import { describe, expect, it } from 'vitest'
import { allocateOffers } from '../../src/modules/offers/allocate.ts'
import {
  type AllocationFunder,
  type AllocationHousehold,
  type AllocationInput,
  type AllocationOffer,
  type AllocationResult,
  type CandidateItem,
  DEFAULT_ALLOCATION_PARAMS,
  type ProductInfo,
} from '../../src/modules/offers/allocate.types.ts'
import { faceValueCents, householdBudgetCents, scaleReward } from '../../src/modules/offers/offer-value.ts'
import { BRAND_LOYALTIES, USAGES } from '../../src/modules/offers/offers.schemas.ts'
import { mulberry32 } from '../../src/modules/seed/prng.ts'

const cycle = { start: '2026-03-02', end: '2026-03-15' }

function item(sku: string, over: Partial<CandidateItem> = {}): CandidateItem {
  return { sku, brand: 'Acme', category: 'GROCERY', subcategory: 'CEREAL', brandType: 'national', priceCents: 400, probability: 0.5, expectedDate: '2026-03-06', ...over }
}

function household(id: string, candidates: CandidateItem[], over: Partial<AllocationHousehold> = {}): AllocationHousehold {
  return { householdId: id, worthCents: 30_000, tier: 'platinum', cells: {}, attributes: {}, candidates, ...over }
}

function offer(id: string, over: Partial<AllocationOffer> = {}): AllocationOffer {
  return {
    id,
    funderId: 'store',
    title: id,
    target: { skus: [], brand: null, category: null, subcategory: 'CEREAL' },
    reward: { kind: 'amount_off', amountCents: 100 },
    minQuantity: 1,
    validFrom: null,
    validTo: null,
    perHouseholdLimit: 1,
    remainingCents: null,
    remainingCount: null,
    funderShareBp: 10_000,
    targeting: {},
    conversion: null,
    usageMultipliers: null,
    ...over,
  }
}

function run(over: Partial<AllocationInput>): AllocationResult {
  return allocateOffers({ cycle, households: [], offers: [], funders: [], products: [], ...over })
}

/** A seeded generator, so the random populations are the same on every run. */
const rng = mulberry32

const SUBCATEGORIES = ['CEREAL', 'FLUID MILK', 'YOGURT', 'COFFEE', 'SOFT DRINKS', 'BREAD:ITALIAN/FRENCH']
const BRANDS = ['Acme', 'Zenith', 'Orbit', 'Store']

function population(seed: number) {
  const r = rng(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!
  const day = () => `2026-03-${String(1 + Math.floor(r() * 17)).padStart(2, '0')}`
  const products: ProductInfo[] = SUBCATEGORIES.flatMap((sub, i) =>
    BRANDS.map((brand, j) => ({ sku: `P${i}${j}`, brand, category: 'GROCERY', subcategory: sub, brandType: brand === 'Store' ? 'store' : 'national', priceCents: 150 + Math.floor(r() * 500) }) as const),
  )
  const funders: AllocationFunder[] = [
    { id: 'store', remainingCapCents: null },
    { id: 'm1', remainingCapCents: 2_000 + Math.floor(r() * 5_000) },
    { id: 'm2', remainingCapCents: 1_000 + Math.floor(r() * 3_000) },
  ]
  const offers: AllocationOffer[] = Array.from({ length: 30 }, (_, i) => {
    const conversion = i % 6 === 0
    const kind = pick(['amount_off', 'amount_off', 'percent_off', 'fixed_price'] as const)
    const sub = pick(SUBCATEGORIES)
    return offer(`O${String(i).padStart(2, '0')}`, {
      funderId: conversion ? 'store' : pick(funders).id,
      target: conversion
        ? { skus: [], brand: 'Store', category: null, subcategory: sub }
        : r() < 0.3
          ? { skus: [`P${SUBCATEGORIES.indexOf(sub)}${Math.floor(r() * 4)}`], brand: null, category: null, subcategory: null }
          : { skus: [], brand: r() < 0.5 ? pick(BRANDS) : null, category: null, subcategory: sub },
      reward: kind === 'amount_off' ? { kind, amountCents: 25 + 25 * Math.floor(r() * 8) } : kind === 'percent_off' ? { kind, percent: 10 + Math.floor(r() * 40) } : { kind, priceCents: 100 + Math.floor(r() * 200) },
      minQuantity: r() < 0.2 ? 2 : 1,
      validFrom: r() < 0.2 ? '2026-03-08' : null,
      validTo: r() < 0.2 ? '2026-03-10' : null,
      perHouseholdLimit: 1 + Math.floor(r() * 2),
      remainingCents: r() < 0.8 ? 500 + Math.floor(r() * 5_000) : null,
      remainingCount: r() < 0.5 ? 5 + Math.floor(r() * 30) : null,
      funderShareBp: pick([10_000, 5_000, 3_333]),
      targeting: r() < 0.3 ? { tiers: ['platinum', 'gold'] } : {},
      conversion: conversion ? { fromBrandType: 'national' } : null,
      usageMultipliers: kind !== 'fixed_price' && r() < 0.3 ? { low: 1, medium: 1.2, high: 1.5 } : null,
    })
  })
  const households: AllocationHousehold[] = Array.from({ length: 200 }, (_, i) => {
    const cands = new Map<string, CandidateItem>()
    for (let k = 0; k < 12; k++) {
      const p = pick(products)
      cands.set(p.sku, { ...p, probability: r(), expectedDate: day() })
    }
    const cells = Object.fromEntries(SUBCATEGORIES.map((s) => [s, { brandLoyalty: pick(BRAND_LOYALTIES), usage: pick(USAGES) }]))
    return household(`H${String(i).padStart(4, '0')}`, [...cands.values()], {
      worthCents: Math.floor(r() * 40_000),
      tier: pick(['platinum', 'gold', 'iron', 'lead']),
      cells,
      issuedBefore: r() < 0.2 ? { [pick(offers).id]: 1 } : undefined,
    })
  })
  return { cycle, households, offers, funders, products }
}

function sumBy<T>(xs: readonly T[], key: (x: T) => string, val: (x: T) => number): Map<string, number> {
  const m = new Map<string, number>()
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + val(x))
  return m
}

describe('allocateOffers: invariants on random populations', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`never exceeds a budget, cap or limit, never stacks (seed ${seed})`, () => {
      const input = population(seed)
      const res = allocateOffers(input)
      const a = res.assignments
      expect(a.length).toBeGreaterThan(50)
      const offers = new Map(input.offers.map((o) => [o.id, o]))
      const byOffer = sumBy(a, (x) => x.offerId, (x) => x.valueCents)
      const countByOffer = sumBy(a, (x) => x.offerId, () => 1)
      for (const [id, cents] of byOffer) {
        const o = offers.get(id)!
        if (o.remainingCents !== null) expect(cents).toBeLessThanOrEqual(o.remainingCents)
        if (o.remainingCount !== null) expect(countByOffer.get(id)!).toBeLessThanOrEqual(o.remainingCount)
      }
      for (const [id, cents] of sumBy(a, (x) => x.funderId, (x) => x.funderCents)) {
        const cap = input.funders.find((f) => f.id === id)!.remainingCapCents
        if (cap !== null) expect(cents).toBeLessThanOrEqual(cap)
      }
      const households = new Map(input.households.map((h) => [h.householdId, h]))
      for (const [id, cents] of sumBy(a, (x) => x.householdId, (x) => x.valueCents)) {
        expect(cents).toBeLessThanOrEqual(householdBudgetCents(households.get(id)!, DEFAULT_ALLOCATION_PARAMS.valueCurve))
      }
      for (const n of sumBy(a, (x) => x.householdId, () => 1).values()) expect(n).toBeLessThanOrEqual(DEFAULT_ALLOCATION_PARAMS.maxOffersPerHousehold)
      for (const [key, n] of sumBy(a, (x) => `${x.householdId}|${x.offerId}`, () => 1)) {
        const [h, o] = key.split('|') as [string, string]
        expect(n + (households.get(h)!.issuedBefore?.[o] ?? 0)).toBeLessThanOrEqual(offers.get(o)!.perHouseholdLimit)
      }
      // One offer per item, and a conversion offer never sits next to an offer on the item it converts.
      const slots = a.flatMap((x) => [x.sku, ...x.convertsFrom].map((s) => `${x.householdId}|${s}`))
      expect(new Set(slots).size).toBe(slots.length)
      for (const x of a) {
        const o = offers.get(x.offerId)!
        expect(x.funderCents).toBe(Math.ceil((x.valueCents * o.funderShareBp) / 10_000))
        expect(x.expectedDate >= (o.validFrom ?? cycle.start) && x.expectedDate <= (o.validTo ?? cycle.end)).toBe(true)
        expect(x.expectedDate >= cycle.start && x.expectedDate <= cycle.end).toBe(true)
        if (o.targeting.tiers) expect(o.targeting.tiers).toContain(households.get(x.householdId)!.tier)
        if (x.kind === 'offer') {
          const c = households.get(x.householdId)!.candidates.find((c) => c.sku === x.sku)!
          expect(c.probability).toBeLessThan(DEFAULT_ALLOCATION_PARAMS.model.sureNeed)
          expect(c.probability).toBeGreaterThanOrEqual(DEFAULT_ALLOCATION_PARAMS.model.minNeed)
        }
        expect(x.redemptionProbability).toBeGreaterThan(0)
        expect(x.redemptionProbability).toBeLessThanOrEqual(1)
        expect(x.expectedCostCents).toBeCloseTo(x.redemptionProbability * x.valueCents, 9)
      }
      // The summaries agree with the assignments.
      for (const o of res.offers) expect(o.issuedCents).toBe(byOffer.get(o.offerId))
      for (const h of res.households) expect(h.allocatedCents).toBe(a.filter((x) => x.householdId === h.householdId).reduce((s, x) => s + x.valueCents, 0))
    })
  }

  it('is constrained for real: many households compete, and budgets run out', () => {
    const input = population(11)
    const res = allocateOffers(input)
    const spent = sumBy(res.assignments, (x) => x.offerId, (x) => x.valueCents)
    const issued = sumBy(res.assignments, (x) => x.offerId, () => 1)
    const exhausted = input.offers.filter(
      (o) => (o.remainingCents !== null && o.remainingCents - (spent.get(o.id) ?? 0) < o.remainingCents / 10) || (o.remainingCount !== null && o.remainingCount === issued.get(o.id)),
    )
    expect(exhausted.length).toBeGreaterThanOrEqual(5)
    const capped = input.funders.filter((f) => f.remainingCapCents !== null)
    const funderSpent = sumBy(res.assignments, (x) => x.funderId, (x) => x.funderCents)
    expect(capped.some((f) => f.remainingCapCents! - (funderSpent.get(f.id) ?? 0) < 300)).toBe(true)
  })

  it('is deterministic and does not depend on the order of its input', () => {
    const input = population(5)
    const first = allocateOffers(input)
    expect(allocateOffers(input)).toEqual(first)
    const reversed = allocateOffers({
      ...input,
      households: [...input.households].reverse().map((h) => ({ ...h, candidates: [...h.candidates].reverse() })),
      offers: [...input.offers].reverse(),
      products: [...input.products].reverse(),
    })
    expect(reversed.assignments).toEqual(first.assignments)
  })
})

describe('allocateOffers: rules', () => {
  it('puts at most one offer on an item, though the budget would allow both', () => {
    const res = run({
      households: [household('H1', [item('A', { probability: 0.5 })])],
      offers: [offer('small', { reward: { kind: 'amount_off', amountCents: 50 } }), offer('big', { reward: { kind: 'amount_off', amountCents: 200 } })],
    })
    expect(res.assignments).toHaveLength(1)
    expect(res.households[0]!.budgetCents).toBeGreaterThan(250)
  })

  it('keeps the per-household limit, counting earlier cycles', () => {
    const items = [item('A'), item('B'), item('C')]
    const limited = (n: number, before?: number) =>
      run({
        households: [household('H1', items, before === undefined ? {} : { issuedBefore: { brand: before } })],
        offers: [offer('brand', { perHouseholdLimit: n })],
      }).assignments.length
    expect(limited(1)).toBe(1)
    expect(limited(2)).toBe(2)
    expect(limited(5)).toBe(3)
    expect(limited(2, 1)).toBe(1)
    expect(limited(1, 1)).toBe(0)
  })

  it('gives the scarce budget of an offer to the households where it does most', () => {
    const res = run({
      households: [household('H1', [item('A', { probability: 0.88 })]), household('H2', [item('A', { probability: 0.5 })])],
      offers: [offer('one', { remainingCount: 1 })],
    })
    expect(res.assignments.map((a) => a.householdId)).toEqual(['H2'])
  })

  it('counts a funder cap in the funder share of face value only', () => {
    const hs = ['H1', 'H2', 'H3', 'H4'].map((id) => household(id, [item('A')]))
    const half = run({ households: hs, offers: [offer('m', { funderId: 'm', funderShareBp: 5_000 })], funders: [{ id: 'm', remainingCapCents: 150 }] })
    // $1.00 face at 50 %: 50 cents each, three fit under a 150-cent cap
    expect(half.assignments).toHaveLength(3)
    expect(half.funders).toEqual([{ funderId: 'm', issuedCents: 150 }])
  })

  it('keeps the offer budget in money at face value, the worst case', () => {
    const hs = ['H1', 'H2', 'H3'].map((id) => household(id, [item('A', { priceCents: 500 })]))
    const res = run({ households: hs, offers: [offer('pct', { reward: { kind: 'percent_off', percent: 25 }, remainingCents: 260 })] })
    expect(res.assignments.map((a) => a.valueCents)).toEqual([125, 125])
  })
})

describe('allocateOffers: items the household buys anyway', () => {
  it('attaches no plain offer to a sure or an unlikely item, and prefers the undecided', () => {
    const cands = [item('SURE', { probability: 0.97 }), item('RARE', { probability: 0.02 }), item('MID', { probability: 0.5 }), item('LIKELY', { probability: 0.8 })]
    const res = run({ households: [household('H1', cands, { budgetCents: 100 })], offers: [offer('o', { perHouseholdLimit: 4 })] })
    expect(res.assignments.map((a) => a.sku)).toEqual(['MID'])
    const all = run({ households: [household('H1', cands)], offers: [offer('o', { perHouseholdLimit: 4 })] })
    expect(all.assignments.map((a) => a.sku).sort()).toEqual(['LIKELY', 'MID'])
  })

  it('with the redemptions objective still skips sure items but favours likely ones', () => {
    const cands = [item('SURE', { probability: 0.97 }), item('MID', { probability: 0.5 }), item('LIKELY', { probability: 0.85 })]
    const res = run({ households: [household('H1', cands, { budgetCents: 100 })], offers: [offer('o', { perHouseholdLimit: 4 })], params: { objective: 'redemptions' } })
    expect(res.assignments.map((a) => a.sku)).toEqual(['LIKELY'])
  })
})

describe('allocateOffers: timing', () => {
  it('attaches an offer only if the household expects to buy inside the offer validity and the cycle', () => {
    const cands = [item('EARLY', { expectedDate: '2026-03-03' }), item('LATE', { expectedDate: '2026-03-12' }), item('AFTER', { expectedDate: '2026-03-20' })]
    const res = run({ households: [household('H1', cands)], offers: [offer('late', { validFrom: '2026-03-10', perHouseholdLimit: 3 })] })
    expect(res.assignments.map((a) => a.sku)).toEqual(['LATE'])
    expect(res.assignments[0]).toMatchObject({ validFrom: '2026-03-10', expiresOn: cycle.end, expectedDate: '2026-03-12' })
    const ended = run({ households: [household('H1', cands)], offers: [offer('gone', { validTo: '2026-03-01' })] })
    expect(ended.assignments).toEqual([])
  })
})

describe('allocateOffers: household value budgets', () => {
  const rich = (n: number) => Array.from({ length: n }, (_, i) => item(`S${String(i).padStart(2, '0')}`, { probability: 0.3 + (i % 5) / 10, priceCents: 300 + 10 * i }))
  const offers = [offer('cereal', { perHouseholdLimit: 30, reward: { kind: 'amount_off', amountCents: 150 } }), offer('pct', { perHouseholdLimit: 30, reward: { kind: 'percent_off', percent: 20 } })]

  it('gives a top household about $30-40 a cycle, and the tier table when configured', () => {
    const top = run({ households: [household('TOP', rich(30), { worthCents: 80_000 })], offers, params: { maxOffersPerHousehold: 40 } })
    expect(top.households[0]!.budgetCents).toBeGreaterThanOrEqual(3_000)
    expect(top.households[0]!.budgetCents).toBeLessThanOrEqual(4_000)
    expect(top.households[0]!.allocatedCents).toBeGreaterThanOrEqual(3_000)
    expect(top.households[0]!.allocatedCents).toBeLessThanOrEqual(top.households[0]!.budgetCents)
    const tiered = run({ households: [household('TOP', rich(30), { tier: 'platinum' })], offers, params: { maxOffersPerHousehold: 40, valueCurve: { tierCents: { platinum: 4_000 } } } })
    expect(tiered.households[0]!.budgetCents).toBe(4_000)
  })

  it('gives each household offer value proportional to its worth', () => {
    const worths = [3_000, 7_500, 15_000, 22_500, 30_000]
    const res = run({ households: worths.map((w) => household(`W${w}`, rich(30), { worthCents: w })), offers, params: { maxOffersPerHousehold: 40 } })
    const top = DEFAULT_ALLOCATION_PARAMS.valueCurve
    for (const [i, w] of worths.entries()) {
      const h = res.households.find((x) => x.householdId === `W${w}`)!
      expect(h.budgetCents).toBe(Math.floor((top.topCents * w) / top.topWorthCents))
      expect(h.allocatedCents).toBeLessThanOrEqual(h.budgetCents)
      // filled to within one offer's face value
      expect(h.allocatedCents).toBeGreaterThan(h.budgetCents - 200)
      if (i > 0) expect(h.allocatedCents).toBeGreaterThan(res.households.find((x) => x.householdId === `W${worths[i - 1]}`)!.allocatedCents)
    }
  })
})

describe('allocateOffers: store-brand conversion', () => {
  const storeMilk: ProductInfo = { sku: 'SB-MILK', brand: 'Our Farm', category: 'DAIRY', subcategory: 'FLUID MILK', brandType: 'store', priceCents: 250 }
  const nationalMilk = (p = 0.8) => item('NAT-MILK', { brand: 'Dairyland', category: 'DAIRY', subcategory: 'FLUID MILK', priceCents: 350, probability: p })
  const conv = offer('conv', { target: { skus: [], brand: null, category: null, subcategory: 'FLUID MILK' }, conversion: { fromBrandType: 'national' }, reward: { kind: 'amount_off', amountCents: 50 } })
  const buyer = (id: string, brandLoyalty: 'national-loyal' | 'store-loyal' | 'swing', usage: 'low' | 'medium' | 'high') =>
    household(id, [nationalMilk()], { cells: { 'FLUID MILK': { brandLoyalty, usage } } })

  it('prints the store-brand product for national-brand buyers, larger for heavy users', () => {
    const res = run({ households: [buyer('HEAVY', 'national-loyal', 'high'), buyer('LIGHT', 'national-loyal', 'low'), buyer('STORE', 'store-loyal', 'high')], offers: [conv], products: [storeMilk] })
    expect(res.assignments.map((a) => a.householdId)).toEqual(['HEAVY', 'LIGHT'])
    const [heavy, light] = res.assignments
    expect(heavy).toMatchObject({ sku: 'SB-MILK', kind: 'conversion', convertsFrom: ['NAT-MILK'], reason: `Try our store brand: save $${(heavy!.valueCents / 100).toFixed(2)}` })
    expect(heavy!.valueCents).toBeGreaterThan(light!.valueCents)
    expect(heavy!.expectedValueCents / heavy!.valueCents).toBeGreaterThan(light!.expectedValueCents / light!.valueCents)
  })

  it('follows the targeting cells and the offer own multipliers', () => {
    const targeted = { ...conv, targeting: { cells: [{ subcategory: 'FLUID MILK', brandLoyalty: 'national-loyal' as const, usage: 'high' as const }] }, usageMultipliers: { low: 1, medium: 1, high: 3 } }
    const res = run({ households: [buyer('HEAVY', 'national-loyal', 'high'), buyer('MID', 'national-loyal', 'medium'), buyer('SWING', 'swing', 'high')], offers: [targeted], products: [storeMilk] })
    expect(res.assignments.map((a) => [a.householdId, a.valueCents])).toEqual([['HEAVY', 150]])
  })

  it('does not print a conversion next to an offer on the national item it converts', () => {
    const plain = offer('nat', { target: { skus: ['NAT-MILK'], brand: null, category: null, subcategory: null } })
    const res = run({ households: [buyer('H1', 'national-loyal', 'high')], offers: [conv, plain], products: [storeMilk] })
    expect(res.assignments).toHaveLength(1)
  })

  it('needs a store-brand product in the subcategory', () => {
    const res = run({ households: [buyer('H1', 'national-loyal', 'high')], offers: [conv], products: [{ ...storeMilk, brandType: 'national' }] })
    expect(res.assignments).toEqual([])
  })
})

describe('offer values', () => {
  it('values one redemption at most at what the units cost', () => {
    expect(faceValueCents({ kind: 'amount_off', amountCents: 100 }, 80, 1)).toBe(80)
    expect(faceValueCents({ kind: 'amount_off', amountCents: 100 }, null, 1)).toBe(100)
    expect(faceValueCents({ kind: 'percent_off', percent: 25 }, 333, 2)).toBe(167)
    expect(faceValueCents({ kind: 'percent_off', percent: 25 }, null, 1)).toBeNull()
    expect(faceValueCents({ kind: 'fixed_price', priceCents: 199 }, 299, 2)).toBe(200)
    expect(faceValueCents({ kind: 'fixed_price', priceCents: 399 }, 299, 1)).toBeNull()
  })

  it('scales rewards for heavy users in printable steps', () => {
    const m = { low: 1, medium: 1.25, high: 1.5 }
    expect(scaleReward({ kind: 'amount_off', amountCents: 75 }, m, 'high')).toEqual({ kind: 'amount_off', amountCents: 110 })
    expect(scaleReward({ kind: 'amount_off', amountCents: 75 }, m, 'low')).toEqual({ kind: 'amount_off', amountCents: 75 })
    expect(scaleReward({ kind: 'percent_off', percent: 15 }, m, 'medium')).toEqual({ kind: 'percent_off', percent: 18 })
    expect(scaleReward({ kind: 'amount_off', amountCents: 75 }, null, 'high')).toEqual({ kind: 'amount_off', amountCents: 75 })
  })
})
