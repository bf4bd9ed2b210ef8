import path from 'node:path'
import { z } from 'zod'
import type { Config } from '../../config.ts'
import { addDays, zonedMidnight } from './cycle-dates.ts'

// A cycle's parameters, fixed when the cycle is first created and stored in list_cycle.params, so
// that a resumed run (or a re-run after the configuration changed) finishes the cycle with the
// settings it started with.

export const cycleParams = z.object({
  version: z.literal(1),
  timeZone: z.string(),
  lengthDays: z.number().int().positive(),
  controlShare: z.number().min(0).max(0.9),
  list: z.object({ minItems: z.number().int().positive(), maxItems: z.number().int().positive(), minProbability: z.number().min(0).max(1) }),
  loyalty: z.object({ weeklyCents: z.number().int().nonnegative(), weeks: z.number().int().positive() }),
  segments: z.object({
    windowWeeks: z.number().int().positive(),
    brandLoyalShare: z.number(),
    pyramidCuts: z.tuple([z.number(), z.number(), z.number()]),
  }),
  offers: z.object({ topCents: z.number().int().nonnegative(), topWorthCents: z.number().int().positive() }),
  /** Where the PDFs, print files and manifest go (absolute). */
  outDir: z.string(),
})
export type CycleParams = z.infer<typeof cycleParams>

export const LIST_DEFAULTS = { minItems: 10, maxItems: 20, minProbability: 0.1 } as const

/** The parameters a new cycle starting on `start` gets from the configuration. */
export function paramsFromConfig(config: Config, start: string, outDir?: string): CycleParams {
  return {
    version: 1,
    timeZone: config.storeTimeZone,
    lengthDays: config.cycle.lengthDays,
    controlShare: config.cycle.controlShare,
    list: { ...LIST_DEFAULTS },
    loyalty: { ...config.loyalty },
    segments: { windowWeeks: config.segments.weeks, brandLoyalShare: config.segments.brandLoyalShare, pyramidCuts: [...config.segments.pyramidCuts] },
    offers: { topCents: config.cycle.offerTopCents, topWorthCents: config.cycle.offerTopWorthCents },
    outDir: path.resolve(outDir ?? defaultOutDir(start)),
  }
}

/** out/<cycle start> under the working directory. */
export function defaultOutDir(start: string): string {
  return path.resolve('out', start)
}

export interface CycleDates {
  readonly start: string
  /** Last day, inclusive. */
  readonly end: string
  /** 00:00 of the first day in the chain's zone: the cycle sees only what happened before it. */
  readonly asOf: Date
}

export function cycleDates(start: string, p: Pick<CycleParams, 'lengthDays' | 'timeZone'>): CycleDates {
  return { start, end: addDays(start, p.lengthDays - 1), asOf: zonedMidnight(start, p.timeZone) }
}
