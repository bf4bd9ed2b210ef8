import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import type { TestDb } from './db.ts'

// Shared by the redemption test files: the basket, the HTTP calls and the state read back.

export const CYCLE = '2026-11-23'
/** Noon in Chicago on 2026-11-25, inside the cycle. */
export const NOW = new Date('2026-11-25T18:00:00Z')

export const BASKET = [
  { sku: '1001', quantity: 1, unitPriceCents: 349 },
  { sku: '1002', quantity: 2, unitPriceCents: 250 },
]

export interface Body {
  readonly storeId?: string
  readonly lane?: string
  readonly cardNumber?: string | null
  readonly items?: readonly { sku: string; quantity: number; unitPriceCents: number }[]
  readonly codes?: readonly string[]
  readonly transactionId?: string
  readonly offline?: boolean
  readonly occurredAt?: string
}

export function redemptionClient(app: FastifyInstance, headers: () => Record<string, string>) {
  const body = (b: Body) => ({ storeId: 'S1', lane: '1', items: BASKET, codes: [], ...b })
  return {
    quote: (b: Body, h = headers()) => app.inject({ method: 'POST', url: '/v1/redemptions/quote', headers: h, payload: body(b) }),
    commit: (b: Body, h = headers()) => app.inject({ method: 'POST', url: '/v1/redemptions', headers: h, payload: body({ transactionId: 'T1', ...b }) }),
    void: (b: { storeId?: string; transactionId: string; skus?: string[] }, h = headers()) =>
      app.inject({ method: 'POST', url: '/v1/redemptions/void', headers: h, payload: { storeId: 'S1', ...b } }),
    status: (code: string, h = headers()) => app.inject({ method: 'GET', url: `/v1/redemptions/codes/${encodeURIComponent(code)}`, headers: h }),
  }
}

export async function instanceState(tdb: TestDb, code: string) {
  return tdb.db
    .selectFrom('offer_instance')
    .select(['redeemed_at', 'redeemed_store_id', 'redeemed_transaction_id'])
    .where('code', '=', code)
    .executeTakeFirstOrThrow()
}

export async function budgetUse(tdb: TestDb, offerId: string): Promise<{ count: number; cents: number }> {
  const r = await tdb.db.selectFrom('offer_budget').select(['redeemed_count', 'redeemed_cents']).where('offer_id', '=', offerId).executeTakeFirst()
  return { count: r?.redeemed_count ?? 0, cents: r?.redeemed_cents ?? 0 }
}

export async function liveLines(tdb: TestDb, code?: string): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM redemption_line WHERE voided_at IS NULL AND (${code ?? null}::text IS NULL OR code = ${code ?? null})`.execute(tdb.db)
  return r.rows[0]!.n
}
