import type { Kysely } from 'kysely'
import type { Ctx } from '../../context.ts'
import type { DB } from '../../db/schema.ts'
import { withTransaction } from '../../db/transaction.ts'
import { notFound } from '../../errors.ts'
import {
  type AssignedCard,
  assignCards,
  type CardMove,
  deleteAbandonedPosHouseholds,
  type EnrolledVia,
  findHousehold,
  findLaneHouseholds,
  lockCardsToMove,
  moveCardHistory,
  upsertHouseholds,
} from './households.repository.ts'
import type { HouseholdCounts, HouseholdDto, HouseholdInput } from './households.schemas.ts'

export interface HouseholdBatchResult {
  /** Households (by external id) created, or whose own attributes changed. */
  readonly households: ReadonlyMap<string, 'created' | 'updated'>
  /** Cards newly attached, or moved from another household. */
  readonly cards: ReadonlySet<string>
  readonly cardsMoved: number
}

/**
 * Upserts households and attaches their cards, in one transaction (or the caller's). A card that
 * belonged to another household moves here with its purchase history; a lane-enrolled household
 * left without cards is deleted. Household ids and cards must be unique within `batch`.
 */
export async function upsertHouseholdBatch(ctx: Ctx, batch: readonly HouseholdInput[], via: EnrolledVia): Promise<HouseholdBatchResult> {
  const now = ctx.now()
  const pairs = batch.flatMap((h) => h.cards.map((card) => ({ card, householdId: h.householdId })))
  return withTransaction(ctx.db, async (db) => {
    const changed = await upsertHouseholds(db, batch, via, now)
    const owners = await lockCardsToMove(db, pairs)
    const assigned = await assignCards(db, pairs, now)
    const moves = await cardMoves(db, assigned, owners)
    const history = await moveCardHistory(db, moves)
    const deleted = await deleteAbandonedPosHouseholds(db, [...new Set(moves.map((m) => m.fromId))])
    if (moves.length > 0) ctx.log.info({ cardsMoved: moves.length, ...history, householdsDeleted: deleted }, 'moved loyalty cards')
    return {
      households: new Map(changed.map((c) => [c.external_id, c.inserted ? 'created' : 'updated'] as const)),
      cards: new Set(assigned.map((a) => a.card_number)),
      cardsMoved: moves.length,
    }
  })
}

/** Cards that changed household, with where they came from (settled in SQL, see the repository). */
async function cardMoves(db: Kysely<DB>, assigned: readonly AssignedCard[], owners: ReadonlyMap<string, number>): Promise<CardMove[]> {
  const moved = assigned.filter((a) => !a.inserted)
  const unseen = moved.filter((a) => !owners.has(a.card_number)).map((a) => a.card_number)
  const lanes = await findLaneHouseholds(db, unseen)
  const moves: CardMove[] = []
  for (const a of moved) {
    const fromId = owners.get(a.card_number) ?? lanes.get(a.card_number)
    if (fromId !== undefined && fromId !== a.household_id) moves.push({ card: a.card_number, fromId, toId: a.household_id })
  }
  return moves
}

/** PUT /v1/households: a household counts as updated when its attributes or its cards changed. */
export async function putHouseholds(ctx: Ctx, batch: readonly HouseholdInput[]): Promise<HouseholdCounts> {
  const r = await upsertHouseholdBatch(ctx, batch, 'api')
  let created = 0
  let updated = 0
  for (const h of batch) {
    const status = r.households.get(h.householdId)
    if (status === 'created') created++
    else if (status === 'updated' || h.cards.some((c) => r.cards.has(c))) updated++
  }
  const counts = { created, updated, unchanged: batch.length - created - updated, cardsMoved: r.cardsMoved }
  ctx.log.debug({ received: batch.length, ...counts }, 'upserted households')
  return counts
}

export async function getHousehold(ctx: Ctx, externalId: string): Promise<HouseholdDto> {
  const h = await findHousehold(ctx.db, externalId)
  if (!h) throw notFound(`no household ${externalId}`)
  return {
    householdId: h.external_id,
    name: h.name,
    email: h.email,
    postalCode: h.postal_code,
    optedIn: h.opted_in,
    consentChangedAt: h.consent_changed_at?.toISOString() ?? null,
    enrolledVia: h.enrolled_via,
    cards: h.cards,
    transactions: Number(h.transactions ?? 0),
    lastVisit: h.last_visit ? new Date(h.last_visit).toISOString() : null,
  }
}
