import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { createApiKey } from '../auth/api-keys.service.ts'
import type { Ctx } from '../../context.ts'
import type { CycleParams } from '../cycle/cycle.params.ts'
import { type CyclePhase, type CycleSummary, runCycle } from '../cycle/cycle.service.ts'
import { issuedPage } from '../cycle/issued-lists.repository.ts'
import type { ListSnapshot } from '../lists/list.types.ts'
import { DemoApi } from './demo-api.ts'
import { type DemoSeed, seedDemoChain } from './demo-seed.ts'

// `pantry demo`: the main job once, end to end, on a fresh database — a chain's history imported,
// its last two weeks posted by the "lanes" through the HTTP API, offers loaded through the API, a
// list cycle run with PDFs written, and a few offers redeemed at a "checkout" through the API.

export const DEMO_OFFERS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../templates/demo/offers.json')

export interface DemoOptions {
  readonly households: number
  readonly days: number
  /** The most recent days, posted through the API instead of imported. */
  readonly liveDays: number
  readonly seed: number
  readonly stores: number
  /** The cycle's first day, today in the chain's zone: the history ends the day before. */
  readonly cycleStart: string
  readonly cycleParams: CycleParams
  readonly secret: string
  readonly threads?: number
  readonly step?: (title: string) => void
  readonly progress?: (phase: string, done: number, total: number) => void
}

export interface Redemption {
  readonly code: string
  readonly offerId: string
  readonly status: 'redeemed' | 'refused'
  readonly discountCents: number
  readonly reason?: string
}

export interface DemoSummary {
  readonly seed: DemoSeed
  readonly posted: number
  readonly offers: number
  readonly funders: number
  readonly cycle: CycleSummary
  /** Null when the redemption API is not part of this build. */
  readonly redemptions: readonly Redemption[] | null
}

/** Runs the demo against `app` (listening) and the database behind `ctx`. */
export async function runDemo(ctx: Ctx, app: FastifyInstance, o: DemoOptions): Promise<DemoSummary> {
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the demo server is not listening on a port')
  const api = new DemoApi(`http://127.0.0.1:${address.port}`)
  o.step?.(`1/5 Generating ${o.households} households × ${o.days} days and importing the history`)
  const end = o.cycleStart
  const seed = await seedDemoChain(ctx, { households: o.households, days: o.days, seed: o.seed, end, stores: o.stores, liveDays: o.liveDays, progress: Boolean(o.progress), onDay: (d, t) => o.progress?.('generate', d, t) })
  o.step?.(`2/5 Posting the last ${o.liveDays} days (${seed.live.length} baskets) through POST /v1/transactions`)
  const storeIds = [...new Set(seed.live.map((b) => b.storeId))].sort()
  const pos = await createApiKey(ctx, { role: 'pos', storeIds, label: 'demo lanes' })
  const posted = await api.postBaskets(pos, seed.live, 100, (d) => o.progress?.('post', d, seed.live.length))
  o.step?.('3/5 Loading offers through PUT /v1/offers')
  const admin = await createApiKey(ctx, { role: 'admin', storeIds: [], label: 'demo admin' })
  const offersBody = JSON.parse(readFileSync(DEMO_OFFERS_FILE, 'utf8')) as { funders: unknown[]; offers: unknown[] }
  await api.expect('PUT', '/v1/offers', admin, offersBody, [200])
  o.step?.(`4/5 Running the list cycle ${o.cycleStart}: qualify, predict, allocate, issue, render`)
  const cycle = await runCycle(ctx, {
    start: o.cycleStart,
    params: o.cycleParams,
    secret: o.secret,
    threads: o.threads,
    onProgress: (phase: CyclePhase, d, t) => o.progress?.(phase, d, t),
  })
  o.step?.('5/5 Redeeming a few offers at a checkout through POST /v1/redemptions')
  const redemptions = await redeemSome(ctx, api, o.cycleStart)
  return { seed, posted, offers: offersBody.offers.length, funders: offersBody.funders.length, cycle, redemptions }
}

/**
 * Three households hand in their list at the checkout with the offered items in the basket; then
 * one of them tries the same offer again, which the service refuses. Null when the build has no
 * redemption API (the route answers 404).
 */
async function redeemSome(ctx: Ctx, api: DemoApi, cycleStart: string): Promise<Redemption[] | null> {
  const cashier = await createApiKey(ctx, { role: 'cashier', storeIds: [], label: 'demo checkout' })
  const lists = (await issuedPage(ctx.db, cycleStart, 0, 200)).map((r) => r.snapshot as ListSnapshot).filter((s) => s.offers.length > 0).slice(0, 3)
  const out: Redemption[] = []
  for (const [i, list] of lists.entries()) {
    const offer = list.offers[0]!
    const item = list.sections.flatMap((s) => s.items).find((it) => it.sku === offer.sku)!
    const body = {
      storeId: list.store.id,
      lane: '1',
      cardNumber: list.household.cardNumber,
      transactionId: `DEMO-CHECKOUT-${i + 1}`,
      items: [{ sku: offer.sku, quantity: offer.minQuantity, unitPriceCents: item.priceCents ?? offer.valueCents }],
      codes: [offer.code],
    }
    const first = await api.call('POST', '/v1/redemptions', cashier, body)
    if (first.status === 404) return null
    out.push(outcome(offer, first))
    if (i === 0) out.push(outcome(offer, await api.call('POST', '/v1/redemptions', cashier, { ...body, transactionId: 'DEMO-CHECKOUT-AGAIN' })))
  }
  return out
}

type RedemptionBody = { redeemed?: { code: string; discountCents: number }[]; rejected?: { code: string; reason: string }[] }

function outcome(offer: { code: string; offerId: string }, r: { status: number; body: unknown }): Redemption {
  const b = (r.body ?? {}) as RedemptionBody
  const hit = b.redeemed?.find((x) => x.code === offer.code)
  if (r.status === 201 && hit) return { code: offer.code, offerId: offer.offerId, status: 'redeemed', discountCents: hit.discountCents }
  const reason = b.rejected?.find((x) => x.code === offer.code)?.reason ?? `HTTP ${r.status}`
  return { code: offer.code, offerId: offer.offerId, status: 'refused', discountCents: 0, reason }
}
