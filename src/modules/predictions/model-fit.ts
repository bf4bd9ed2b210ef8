import { type CensoredSpells, fitHyper, fitLevelPriors } from './cycle-priors.ts'
import { fitGate, type TripSummary } from './household-gate.ts'
import { addPair, censoredSpells, estimateBeta, type RawAggregate, toLevelAggregate } from './level-stats.ts'
import type { HouseholdHistory, LevelModel, ModelParams } from './repurchase-model.ts'

/**
 * Everything the model learns from the population at one cutoff, accumulated household by
 * household (flat memory: one row per product and group, plus a bounded sample of households for
 * the MBG/NBD fit), then fitted once all households have streamed past.
 */
export interface CutoffAccumulator {
  readonly asOfDay: number
  readonly items: Map<string, RawAggregate>
  readonly groups: Map<string, RawAggregate>
  readonly trips: TripSummary[]
}

export interface FitOptions {
  readonly horizonDays: number
  readonly aliveFloor: number
}

export function newAccumulator(asOfDay: number): CutoffAccumulator {
  return { asOfDay, items: new Map(), groups: new Map(), trips: [] }
}

/** Adds one household's pairs; its trips join the gate sample when `inGateSample`. */
export function accumulate(acc: CutoffAccumulator, h: HouseholdHistory, inGateSample: boolean): void {
  if (h.items.length === 0) return
  for (const it of h.items) addPair(acc.items, it.sku, it.group, it, acc.asOfDay)
  for (const u of h.units) addPair(acc.groups, u.group, null, u, acc.asOfDay)
  if (inGateSample) acc.trips.push(h.trips)
}

function fitLevel(raw: Map<string, RawAggregate>): LevelModel {
  const beta = estimateBeta(raw.values())
  const aggs = [...raw.values()].map((a) => toLevelAggregate(a, beta))
  const cens = new Map<string, CensoredSpells>()
  for (const a of raw.values()) cens.set(a.key, censoredSpells(a, beta))
  const hyper = fitHyper(aggs, beta)
  return { hyper, priors: fitLevelPriors(aggs, cens, hyper) }
}

export function fitModel(acc: CutoffAccumulator, o: FitOptions): ModelParams {
  return {
    asOfDay: acc.asOfDay,
    horizonDays: o.horizonDays,
    items: fitLevel(acc.items),
    groups: fitLevel(acc.groups),
    gate: fitGate(acc.trips),
    aliveFloor: o.aliveFloor,
  }
}
