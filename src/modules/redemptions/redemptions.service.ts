import { createHash } from 'node:crypto'
import type { Ctx } from '../../context.ts'
import type { RedemptionSource } from '../../db/schema.ts'
import { conflict } from '../../errors.ts'
import type { Secret } from '../codes/codes.ts'
import { type Applied, type Evaluation, evaluate, localDate, type Refused } from './redemption-rules.ts'
import {
  type ExceptionRow,
  findHouseholds,
  findInstances,
  findRedemption,
  holdersOf,
  insertExceptions,
  type Settlement,
  settleRedemption,
} from './redemptions.repository.ts'
import type { CommitInput, QuoteInput, RedemptionResult } from './redemptions.schemas.ts'
import { withPrepared } from '../../db/prepared.ts'
import { classifyScans } from './scan.ts'
import { retryOnDeadlock } from '../../db/transaction.ts'

/** What redemption needs beyond the database: the key of the code checks and the stores' calendar. */
export interface RedemptionSettings {
  readonly codeSecret: Secret
  /** IANA zone of the stores: validity is judged on their local day. */
  readonly timeZone: string
}

/** What would come off the bill now; nothing is written. */
export async function quoteRedemption(ctx: Ctx, s: RedemptionSettings, input: QuoteInput): Promise<RedemptionResult> {
  const ev = await decide({ ...ctx, db: withPrepared(ctx.db) }, s, input, localDate(ctx.now(), s.timeZone), true)
  return toResult(ev.redeemed, ev.rejected)
}

export interface CommitOptions {
  readonly source: RedemptionSource
  /** Answer with the stored result even if the stored request differs (a basket after a lane's redemption). */
  readonly keepStored?: boolean
}

/**
 * Redeems what applies, atomically, each instance at most once across all lanes (the claim is one
 * conditional UPDATE; see settleRedemption). Idempotent by (storeId, transactionId): a replay gets the
 * stored answer; the same key with another request is a conflict. Offline replays and baskets are
 * judged on their own day, and what the lane granted but the service refuses becomes an exception.
 */
export async function commitRedemption(outer: Ctx, s: RedemptionSettings, input: CommitInput, opts: CommitOptions): Promise<RedemptionResult> {
  const ctx = { ...outer, db: withPrepared(outer.db) }
  const afterTheFact = input.offline || opts.source === 'basket'
  const occurredAt = afterTheFact && input.occurredAt ? new Date(input.occurredAt) : ctx.now()
  const hash = requestHash(input)
  const ev = await decide(ctx, s, input, localDate(occurredAt, s.timeZone), !afterTheFact)
  // Our own instances already held by this very transaction: this is a replay.
  if (ev.rejected.some((r) => r.reason === 'already_redeemed' && isKey(r.redeemedBy, input))) return storedAnswer(ctx, input, hash, opts)
  const source: RedemptionSource = opts.source === 'lane' && input.offline ? 'offline' : opts.source
  const settlement: Settlement = {
    header: { storeId: input.storeId, transactionId: input.transactionId, lane: input.lane, householdId: ev.householdId, source, requestHash: hash, occurredAt, createdAt: ctx.now() },
    applied: ev.redeemed.map((a) => ({ code: a.code, offerId: a.offerId, sku: a.sku, discountCents: a.discountCents, instanceCode: a.instanceCode })),
    rejected: ev.rejected.map((r) => ({ code: r.code, reason: r.reason })),
  }
  // A lane online, the hot path: one statement settles it.
  if (!afterTheFact) return (await retryOnDeadlock(() => settleRedemption(ctx.db, settlement))) ?? storedAnswer(ctx, input, hash, opts)
  // After the fact, what the lane granted but the service refuses is recorded, in the same transaction.
  const stored = await retryOnDeadlock(() =>
    ctx.db.transaction().execute(async (trx) => {
      const result = await settleRedemption(trx, settlement)
      if (result !== null) await insertExceptions(trx, await exceptionRows({ ...ctx, db: trx }, input, refusals(ev, result), occurredAt))
      return result
    }),
  )
  return stored ?? storedAnswer(ctx, input, hash, opts)
}

async function decide(ctx: Ctx, s: RedemptionSettings, input: QuoteInput, today: string, cardApplies: boolean): Promise<Evaluation> {
  const scans = classifyScans(s.codeSecret, input.codes)
  const of = (kind: string) => scans.flatMap((x) => (x.kind === kind ? [x] : []))
  const lists = of('list').map((x) => x.code)
  const households = input.cardNumber || lists.length > 0 ? await findHouseholds(ctx.db, input.cardNumber ?? null, lists) : { card: null, lists: new Map() }
  const cardHousehold = cardApplies && households.card?.optedIn ? households.card.householdId : null
  const codes = of('offer').map((x) => x.code)
  const serials = scans.flatMap((x) => (x.kind === 'gs1' ? [x.serial] : []))
  const wanted = codes.length + serials.length + households.lists.size > 0 || cardHousehold !== null
  const instances = wanted ? await findInstances(ctx.db, { codes, serials, lists: [...households.lists.keys()], householdId: cardHousehold, today }) : []
  return evaluate({ scans, card: households.card, cardApplies, lists: households.lists, instances, items: input.items, today })
}

/** Every refusal of the settled answer: those decided before the claim, then the candidates the claim lost. */
function refusals(ev: Evaluation, result: RedemptionResult): Refused[] {
  const lost = new Map(result.rejected.map((r) => [r.code, r.reason]))
  const afterClaim = ev.redeemed.flatMap((a): Refused[] => {
    const reason = lost.get(a.code)
    return reason === undefined ? [] : [{ code: a.code, reason, instanceCode: a.instanceCode, offerId: a.offerId, origin: a.origin, redeemedBy: null }]
  })
  return [...ev.rejected, ...afterClaim]
}

const EXCEPTION_KIND: Partial<Record<Refused['reason'], string>> = {
  already_redeemed: 'double_redemption',
  budget_exhausted: 'budget_exhausted',
  expired: 'expired',
  not_yet_valid: 'not_yet_valid',
  other_household: 'other_household',
  household_opted_out: 'household_opted_out',
  unknown_or_forged: 'unknown_or_forged',
}

/**
 * The refusals an offline lane may already have granted: the codes it scanned (or the offers of a
 * list it scanned), refused for a reason the lane could not see offline. The card's offers are
 * left out: a lane offline cannot know them.
 */
async function exceptionRows(ctx: Ctx, input: CommitInput, rejected: readonly Refused[], occurredAt: Date): Promise<ExceptionRow[]> {
  const flagged = rejected.filter((r) => r.origin !== 'card' && EXCEPTION_KIND[r.reason] !== undefined)
  const unknownHolder = flagged.filter((r) => r.reason === 'already_redeemed' && r.redeemedBy === null && r.instanceCode !== null)
  const holders = await holdersOf(ctx.db, unknownHolder.map((r) => r.instanceCode!))
  const rows: ExceptionRow[] = []
  for (const r of flagged) {
    const other = r.redeemedBy ?? (r.instanceCode === null ? null : (holders.get(r.instanceCode) ?? null))
    if (r.reason === 'already_redeemed' && isKey(other, input)) continue
    rows.push({
      kind: EXCEPTION_KIND[r.reason]!,
      code: r.code,
      offerId: r.offerId,
      storeId: input.storeId,
      transactionId: input.transactionId,
      lane: input.lane,
      occurredAt,
      otherStoreId: r.reason === 'already_redeemed' ? (other?.storeId ?? null) : null,
      otherTransactionId: r.reason === 'already_redeemed' ? (other?.transactionId ?? null) : null,
      createdAt: ctx.now(),
    })
  }
  return rows
}

async function storedAnswer(ctx: Ctx, input: CommitInput, hash: string, opts: CommitOptions): Promise<RedemptionResult> {
  const row = await findRedemption(ctx.db, input.storeId, input.transactionId)
  if (!row) throw new Error(`redemption ${input.storeId}/${input.transactionId} is held but not stored`)
  if (row.request_hash !== hash && !opts.keepStored) {
    throw conflict(`transaction ${input.transactionId} of store ${input.storeId} was already redeemed with a different request`, [
      { field: 'transactionId', message: 'already used with a different request' },
    ])
  }
  return row.result as RedemptionResult
}

function isKey(by: { storeId: string | null; transactionId: string | null } | null, input: CommitInput): boolean {
  return by !== null && by.storeId === input.storeId && by.transactionId === input.transactionId
}

function toResult(redeemed: readonly Applied[], rejected: readonly Refused[]): RedemptionResult {
  return {
    redeemed: redeemed.map((a) => ({ code: a.code, offerId: a.offerId, sku: a.sku, discountCents: a.discountCents })),
    rejected: rejected.map((r) => ({ code: r.code, reason: r.reason })),
    totalDiscountCents: redeemed.reduce((s, a) => s + a.discountCents, 0),
  }
}

/** A digest of what the request says: a replay must say the same. */
export function requestHash(input: CommitInput): string {
  const at = input.occurredAt === undefined ? null : Date.parse(input.occurredAt)
  const canonical = JSON.stringify([input.lane, input.cardNumber ?? null, input.items.map((i) => [i.sku, i.quantity, i.unitPriceCents]), input.codes, input.offline, at])
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 32)
}

