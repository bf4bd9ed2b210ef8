import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import { cyclePhrase, predictionReason, shortDate } from '../../src/modules/segments/prediction-reason.ts'
import {
  brandLoyaltyOf,
  DEFAULT_SEGMENT_PARAMS,
  isQualified,
  segmentParams,
  tierOf,
  trailingWeeks,
  usageOf,
  weeklySpendCents,
} from '../../src/modules/segments/segments.model.ts'

describe('segment params', () => {
  it('come from the environment, with documented defaults', () => {
    expect(DEFAULT_SEGMENT_PARAMS).toEqual({
      loyalWeeklyCents: 2_500,
      loyalWeeks: 8,
      windowWeeks: 52,
      brandLoyalShare: 0.8,
      pyramidCuts: [0.5, 0.8, 0.95],
    })
    const p = segmentParams(
      loadConfig({ PANTRY_LOYAL_WEEKLY_CENTS: '1000', PANTRY_SEGMENT_WEEKS: '26', PANTRY_BRAND_LOYAL_SHARE: '0.9', PANTRY_PYRAMID_CUTS: '0.4, 0.7,0.9' }, false),
    )
    expect(p).toMatchObject({ loyalWeeklyCents: 1_000, windowWeeks: 26, brandLoyalShare: 0.9, pyramidCuts: [0.4, 0.7, 0.9] })
  })

  it('refuse cuts that are not three ascending shares, and a loyal share of one half or less', () => {
    for (const bad of ['0.5,0.8', '0.8,0.5,0.9', '0.5,0.8,1', 'a,b,c']) {
      expect(() => loadConfig({ PANTRY_PYRAMID_CUTS: bad }, false)).toThrow(/PANTRY_PYRAMID_CUTS/)
    }
    expect(() => loadConfig({ PANTRY_BRAND_LOYAL_SHARE: '0.5' }, false)).toThrow(/PANTRY_BRAND_LOYAL_SHARE/)
  })
})

describe('qualification', () => {
  it('compares the window total with weekly threshold × weeks', () => {
    const p = DEFAULT_SEGMENT_PARAMS
    expect(isQualified(true, 20_000, p)).toBe(true)
    expect(isQualified(true, 19_999.5, p)).toBe(false)
    expect(isQualified(false, 1e9, p)).toBe(false)
    expect(weeklySpendCents(19_999, 8)).toBe(2_500)
  })

  it('windows are whole weeks ending at (not including) T', () => {
    const w = trailingWeeks(new Date('2026-03-02T00:00:00Z'), 8)
    expect(w).toEqual({ from: new Date('2026-01-05T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z') })
  })
})

describe('tiers and cells', () => {
  const cuts = [0.5, 0.8, 0.95] as const
  it('maps the share of spend above a household to a tier', () => {
    expect([0, 0.4999, 0.5, 0.79, 0.8, 0.95, 0.99].map((s) => tierOf(s, 100, cuts))).toEqual([
      'platinum', 'platinum', 'gold', 'gold', 'iron', 'lead', 'lead',
    ])
    expect(tierOf(0, 0, cuts)).toBe('lead')
  })

  it('splits brand loyalty at the share, inclusive, on clamped net units', () => {
    expect(brandLoyaltyOf(0.8, 0.2, 0.8)).toBe('national-loyal')
    expect(brandLoyaltyOf(2.4, 0.6, 0.8)).toBe('national-loyal')
    expect(brandLoyaltyOf(0.2, 0.8, 0.8)).toBe('store-loyal')
    expect(brandLoyaltyOf(0.79, 0.21, 0.8)).toBe('swing')
    expect(brandLoyaltyOf(3, -2, 0.8)).toBe('national-loyal')
    expect(brandLoyaltyOf(0, 0, 0.8)).toBeUndefined()
    expect(brandLoyaltyOf(-1, 0, 0.8)).toBeUndefined()
  })

  it('names tertiles', () => {
    expect([1, 2, 3].map(usageOf)).toEqual(['low', 'medium', 'high'])
  })
})

describe('prediction reasons', () => {
  const asOf = new Date('2026-03-10T00:00:00Z')
  it('say the cycle in whole days, weeks or months', () => {
    expect([1, 8.6, 20.4, 21, 45, 83, 90].map(cyclePhrase)).toEqual([
      'almost every day', 'every ~9 days', 'every ~20 days', 'every ~3 weeks', 'every ~6 weeks', 'every ~12 weeks', 'every ~3 months',
    ])
  })

  it('date the last purchase and say when it is due', () => {
    expect(predictionReason({ cycleDays: 9.2, lastPurchased: '2026-03-03', expectedDate: '2026-03-12' }, asOf)).toBe(
      'bought every ~9 days, last on Mar 3, due around Mar 12',
    )
    expect(predictionReason({ cycleDays: 30, lastPurchased: '2025-12-28', expectedDate: '2026-03-10' }, asOf)).toBe(
      'bought every ~4 weeks, last on Dec 28, 2025, due now',
    )
    expect(shortDate('2027-01-02', asOf)).toBe('Jan 2, 2027')
  })
})
