import { describe, expect, it } from 'vitest'
import { buildSnapshot, type CatalogItem, type InstanceCodes, instanceKey, type ListSettings, selectItems } from '../../src/modules/cycle/build-list.ts'
import { chooseContent, loadContent } from '../../src/modules/cycle/content.ts'
import { addDays, localDate, nextMonday, zonedMidnight } from '../../src/modules/cycle/cycle-dates.ts'
import { inControl } from '../../src/modules/cycle/cycle.service.ts'
import type { Assignment } from '../../src/modules/offers/allocate.types.ts'
import type { PredictedItem } from '../../src/modules/predictions/predictions.service.ts'

const content = loadContent()
const settings: ListSettings = { minItems: 10, maxItems: 20, minProbability: 0.1 }

function product(sku: string, over: Partial<CatalogItem> = {}): CatalogItem {
  return { sku, name: `Item ${sku}`, brand: 'Acme', brandType: 'national', category: 'GROCERY', subcategory: 'SOUP', size: '10 OZ', priceCents: 199, ...over }
}

function predictions(n: number, p0 = 0.9): PredictedItem[] {
  return Array.from({ length: n }, (_, i) => ({
    sku: String(1000 + i),
    probability: Math.max(0, p0 - i * 0.03),
    expectedDate: addDays('2026-11-23', i % 14),
    cycleDays: 7 + i,
    lastPurchased: '2026-11-10',
  }))
}

const catalogOf = (preds: readonly PredictedItem[], extra: CatalogItem[] = []) =>
  new Map([...preds.map((p) => [p.sku, product(p.sku)] as const), ...extra.map((c) => [c.sku, c] as const)])

function assignment(over: Partial<Assignment> & Pick<Assignment, 'sku' | 'offerId'>): Assignment {
  return {
    householdId: 'H1',
    funderId: 'store',
    kind: 'offer',
    reward: { kind: 'amount_off', amountCents: 50 },
    minQuantity: 1,
    valueCents: 50,
    funderCents: 50,
    redemptionProbability: 0.5,
    expectedCostCents: 25,
    expectedValueCents: 10,
    expectedDate: '2026-11-25',
    validFrom: '2026-11-23',
    expiresOn: '2026-12-06',
    reason: null,
    convertsFrom: [],
    ...over,
  }
}

function snapshotFor(preds: PredictedItem[], assignments: Assignment[], catalog = catalogOf(preds)) {
  const selection = selectItems(preds, catalog, settings)!
  const codes = new Map<string, InstanceCodes>(assignments.map((a, i) => [instanceKey(a), { code: `C${i}`, gs1Serial: null, gs1: null }]))
  const offers = new Map(assignments.map((a) => [a.offerId, { title: `Offer ${a.offerId}`, funder: { type: 'store' as const, name: 'Store' } }]))
  return buildSnapshot({
    listCode: 'S1',
    cycle: { start: '2026-11-23', end: '2026-12-06' },
    household: { householdId: 'H1', cardNumber: '4001', name: null, postalCode: null },
    store: { id: 'S1', name: 'Store 1' },
    selection,
    assignments,
    offers,
    codes,
    catalog,
    attributeTags: [],
    content,
    settings,
  })
}

describe('selectItems', () => {
  it('takes the items likely this cycle, best first, at most maxItems', () => {
    const preds = predictions(40)
    const sel = selectItems(preds, catalogOf(preds), settings)!
    expect(sel.picked).toHaveLength(20)
    expect(sel.picked.map((p) => p.sku)).toEqual(preds.slice(0, 20).map((p) => p.sku))
  })

  it('tops a short list up to minItems with the next most likely, and refuses fewer than minItems known', () => {
    const preds = predictions(12, 0.3)
    const sel = selectItems(preds, catalogOf(preds), settings)!
    expect(sel.picked.length).toBe(10)
    expect(selectItems(preds.slice(0, 9), catalogOf(preds), settings)).toBeNull()
    // unknown (inactive) products are never listed
    expect(selectItems(preds, catalogOf(preds.slice(0, 5)), settings)).toBeNull()
  })
})

describe('buildSnapshot', () => {
  it('groups items by aisle in walking order and attaches each offer to its item', () => {
    const preds = predictions(15)
    const catalog = catalogOf(preds, [])
    catalog.set('1001', product('1001', { category: 'PRODUCE', subcategory: 'BERRIES' }))
    catalog.set('1002', product('1002', { category: 'GROCERY', subcategory: 'DOG FOODS' }))
    const { snapshot, instances } = snapshotFor(preds, [assignment({ sku: '1003', offerId: 'O1' })], catalog)
    const headings = snapshot.sections.map((s) => s.heading)
    expect(headings[0]).toBe('Produce')
    expect(headings).toContain('Pet')
    expect(headings.indexOf('Pantry')).toBeLessThan(headings.indexOf('Pet'))
    const items = snapshot.sections.flatMap((s) => s.items)
    expect(items.length).toBe(15)
    expect(items.find((i) => i.sku === '1003')!.offerCode).toBe('C0')
    expect(snapshot.offers.map((o) => [o.code, o.sku])).toEqual([['C0', '1003']])
    expect(instances).toEqual([expect.objectContaining({ code: 'C0', sku: '1003', offerId: 'O1', valueCents: 50 })])
    expect(items.every((i) => i.reason.length > 0)).toBe(true)
    expect(snapshot.content).not.toBeNull()
  })

  it('swaps the national items a conversion converts for the store-brand product, and refills', () => {
    const preds = predictions(10)
    const store = product('9999', { brand: 'Northwoods', brandType: 'store', name: 'Northwoods Soup' })
    const conv = assignment({ sku: '9999', offerId: 'CONV', kind: 'conversion', convertsFrom: ['1000', '1001'], valueCents: 75 })
    const spare = [...preds, { sku: '2000', probability: 0.05, expectedDate: '2026-12-01', cycleDays: 9, lastPurchased: '2026-11-01' }]
    const { snapshot } = snapshotFor(spare, [conv], catalogOf(spare, [store]))
    const skus = snapshot.sections.flatMap((s) => s.items.map((i) => i.sku))
    expect(skus).toContain('9999')
    expect(skus).not.toContain('1000')
    expect(skus).not.toContain('1001')
    expect(skus).toContain('2000')
    expect(skus.length).toBe(10)
    const item = snapshot.sections.flatMap((s) => s.items).find((i) => i.sku === '9999')!
    expect(item.reason).toBe('Try our store brand instead of Acme')
  })

  it('is a pure function of its inputs', () => {
    const preds = predictions(20)
    const a = [assignment({ sku: '1004', offerId: 'O2' })]
    expect(JSON.stringify(snapshotFor(preds, a))).toBe(JSON.stringify(snapshotFor(preds, a)))
  })
})

describe('content and control arm', () => {
  it('prefers blocks matching the household, deterministically', () => {
    const pet = chooseContent(content, { attributes: ['pet'], aisles: [] }, 'x')
    expect(pet.title).toMatch(/pet/i)
    expect(chooseContent(content, { attributes: [], aisles: [] }, 'seed')).toEqual(chooseContent(content, { attributes: [], aisles: [] }, 'seed'))
  })

  it('holds out about the configured share, stably per household and cycle', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `H${String(i).padStart(7, '0')}`)
    const control = ids.filter((id) => inControl(id, '2026-11-23', 0.1)).length
    expect(control / ids.length).toBeGreaterThan(0.085)
    expect(control / ids.length).toBeLessThan(0.115)
    expect(ids.filter((id) => inControl(id, '2026-11-23', 0.1)).length).toBe(control)
    expect(ids.filter((id) => inControl(id, '2026-11-23', 0)).length).toBe(0)
    // a new cycle draws a new control group
    const next = ids.filter((id) => inControl(id, '2026-12-07', 0.1))
    expect(next).not.toEqual(ids.filter((id) => inControl(id, '2026-11-23', 0.1)))
  })
})

describe('cycle dates', () => {
  it('as-of is local midnight in the chain zone, across DST', () => {
    expect(zonedMidnight('2026-11-23', 'America/Chicago').toISOString()).toBe('2026-11-23T06:00:00.000Z')
    expect(zonedMidnight('2026-07-06', 'America/Chicago').toISOString()).toBe('2026-07-06T05:00:00.000Z')
    expect(zonedMidnight('2026-03-08', 'America/Chicago').toISOString()).toBe('2026-03-08T06:00:00.000Z')
    expect(zonedMidnight('2026-11-01', 'America/Chicago').toISOString()).toBe('2026-11-01T05:00:00.000Z')
  })

  it('the default first cycle is the next Monday after the local date', () => {
    // Sunday 23:30 in Chicago is already Monday in UTC
    expect(localDate(new Date('2026-11-23T05:30:00Z'), 'America/Chicago')).toBe('2026-11-22')
    expect(nextMonday(new Date('2026-11-23T05:30:00Z'), 'America/Chicago')).toBe('2026-11-23')
    expect(nextMonday(new Date('2026-11-23T12:00:00Z'), 'America/Chicago')).toBe('2026-11-30')
  })
})
