import type { Selectable } from 'kysely'
import type { Ctx } from '../../context.ts'
import type { DB } from '../../db/schema.ts'
import { notFound } from '../../errors.ts'
import { localDate } from './redemption-rules.ts'
import type { RedemptionSettings } from './redemptions.service.ts'
import type { CodeStatus, ExceptionsResult, InstanceStatus, RedemptionException, SummaryResult } from './redemptions.schemas.ts'
import {
  exceptionCounts,
  instanceByCode,
  instanceBySerial,
  listExceptions,
  listInstances,
  markExceptionReviewed,
  offerRedemptions,
} from './redemption-reports.repository.ts'
import { classifyScan } from './scan.ts'

/**
 * What a cashier sees when keying in a code: an offer's status or a list's offers. A forged or
 * mistyped code is refused before any lookup; the answer says nothing about the household.
 */
export async function codeStatus(ctx: Ctx, s: RedemptionSettings, text: string): Promise<CodeStatus> {
  const scan = classifyScan(s.codeSecret, text)
  const today = localDate(ctx.now(), s.timeZone)
  const unknown = () => notFound('unknown or forged code')
  if (scan.kind === 'invalid') throw unknown()
  if (scan.kind === 'list') {
    const rows = await listInstances(ctx.db, scan.code)
    if (rows.length === 0) throw unknown()
    const offers = rows.flatMap((r) => (r.code === null ? [] : [statusOf({ ...r, code: r.code, offer_id: r.offer_id!, sku: r.sku!, valid_from: r.valid_from!, expires_on: r.expires_on! }, today)]))
    return { kind: 'list', code: scan.code, cycleStart: rows[0]!.cycle_start, offers }
  }
  if (scan.kind === 'offer') {
    const row = await instanceByCode(ctx.db, scan.code)
    if (!row) throw unknown()
    return { kind: 'offer', ...statusOf(row, today) }
  }
  const row = await instanceBySerial(ctx.db, scan.serial)
  if (!row || row.gs1_company_prefix !== scan.companyPrefix || row.gs1_offer_code !== scan.offerCode) throw unknown()
  return { kind: 'offer', ...statusOf(row, today) }
}

interface InstanceRow {
  code: string
  offer_id: string
  sku: string
  valid_from: string
  expires_on: string
  redeemed_at: Date | null
}

function statusOf(r: InstanceRow, today: string): InstanceStatus {
  const status = r.redeemed_at !== null ? 'redeemed' : r.valid_from > today ? 'not_yet_valid' : r.expires_on < today ? 'expired' : 'available'
  return {
    code: r.code,
    offerId: r.offer_id,
    sku: r.sku,
    validFrom: r.valid_from,
    expiresOn: r.expires_on,
    status,
    redeemedAt: r.redeemed_at === null ? null : r.redeemed_at.toISOString(),
  }
}

/** Per offer, what was redeemed on the store days [from, to] and what of it was reversed since. */
export async function redemptionSummary(ctx: Ctx, s: RedemptionSettings, q: { from: string; to: string }): Promise<SummaryResult> {
  const [offers, exceptions] = await Promise.all([offerRedemptions(ctx.db, q.from, q.to, s.timeZone), exceptionCounts(ctx.db, q.from, q.to, s.timeZone)])
  return {
    from: q.from,
    to: q.to,
    offers: offers.map((o) => ({
      offerId: o.offer_id,
      redeemedCount: o.redeemed_count,
      redeemedCents: o.redeemed_cents,
      voidedCount: o.voided_count,
      voidedCents: o.voided_cents,
    })),
    exceptions,
  }
}

export async function redemptionExceptions(ctx: Ctx, q: { open: boolean; limit: number }): Promise<ExceptionsResult> {
  const rows = await listExceptions(ctx.db, q.open, q.limit)
  return { exceptions: rows.map(toException) }
}

/** Marks an exception reviewed, with an optional note; idempotent (the first review stands). */
export async function reviewException(ctx: Ctx, input: { id: number; note?: string }): Promise<RedemptionException> {
  const row = await markExceptionReviewed(ctx.db, input.id, ctx.now(), input.note ?? null)
  if (!row) throw notFound(`no redemption exception ${input.id}`)
  return toException(row)
}

function toException(e: Selectable<DB['redemption_exception']>): RedemptionException {
  return {
    id: e.id,
    kind: e.kind,
    code: e.code,
    offerId: e.offer_id,
    storeId: e.store_id,
    transactionId: e.transaction_id,
    lane: e.lane,
    occurredAt: e.occurred_at.toISOString(),
    otherStoreId: e.other_store_id,
    otherTransactionId: e.other_transaction_id,
    createdAt: e.created_at.toISOString(),
    reviewedAt: e.reviewed_at === null ? null : e.reviewed_at.toISOString(),
    note: e.note,
  }
}
