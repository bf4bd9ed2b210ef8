import { createHash } from 'node:crypto'
import type { Ctx } from '../../context.ts'
import { poolOf } from '../../db/database.ts'
import { openSession } from '../imports/pg-session.ts'
import {
  basketKey,
  copyLines,
  ensureLinePartitions,
  ensureProducts,
  type HeaderRow,
  insertHeaders,
  type LineColumns,
  rememberSkus,
  resolveCards,
  storedHashes,
  unknownSkus,
} from './transactions.repository.ts'
import type { BasketInput } from './transactions.schemas.ts'
import { retryOnDeadlock } from '../../db/transaction.ts'

export type IngestOutcome = { status: 'accepted'; lines: number } | { status: 'conflict' }

/**
 * Stores valid baskets, each all-or-nothing, in one database transaction for the whole request.
 * Idempotent by (storeId, id): a basket already stored with the same content is accepted again
 * without writing; the same id with other content is a conflict. Concurrent posts of one basket are
 * settled by the primary key (ON CONFLICT DO NOTHING waits for the first to commit).
 */
export async function ingestBaskets(ctx: Ctx, baskets: readonly BasketInput[]): Promise<IngestOutcome[]> {
  const hashes = baskets.map(contentHash)
  const firstByKey = new Map<string, number>()
  baskets.forEach((b, i) => firstByKey.has(basketKey(b.storeId, b.id)) || firstByKey.set(basketKey(b.storeId, b.id), i))
  // Every write below goes in key order, so concurrent requests lock rows in the same order and
  // cannot deadlock each other.
  const unique = [...firstByKey.values()].map((i) => baskets[i]!).sort(byKey)
  await ensureLinePartitions(ctx.db, unique.map((b) => new Date(b.occurredAt)))
  const products = distinctProducts(unique)
  const stored = await retryOnDeadlock(() => writeBaskets(ctx, unique, hashes, firstByKey, products))
  rememberSkus(ctx.db, [...products.keys()])
  return baskets.map((b, i) =>
    stored.get(basketKey(b.storeId, b.id)) === hashes[i] ? { status: 'accepted', lines: b.items.length } : { status: 'conflict' },
  )
}

/**
 * Returns the stored content hash of every basket key (new or already there). One transaction on a
 * connection of our own, so the lines can go in with COPY: the header insert claims each new basket
 * (ON CONFLICT DO NOTHING … RETURNING), and only claimed baskets' lines are copied.
 */
async function writeBaskets(
  ctx: Ctx,
  unique: BasketInput[],
  hashes: string[],
  firstByKey: Map<string, number>,
  products: Map<string, string>,
): Promise<Map<string, string>> {
  const pool = poolOf(ctx.db)
  if (!pool) throw new Error('ingestion needs a database opened with createDb: it writes lines with COPY on a pooled connection')
  const newSkus = unknownSkus(ctx.db, [...products.keys()])
  const session = await openSession(pool)
  let failed = true
  try {
    const stored = await session.db.transaction().execute(async (trx) => {
      await ensureProducts(trx, newSkus, newSkus.map((s) => products.get(s)!))
      const cardNumbers = distinct(unique.flatMap((b) => (b.cardNumber ? [b.cardNumber] : [])))
      const cards = await resolveCards(trx, cardNumbers, distinct(unique.map((b) => b.storeId)))
      const headers = unique.map((b) => headerRow(b, cards, hashes[firstByKey.get(basketKey(b.storeId, b.id))!]!))
      const created = await insertHeaders(trx, headers)
      await copyLines(session, lineColumns(unique, headers, created))
      const replays = unique.filter((b) => !created.has(basketKey(b.storeId, b.id)))
      const previous = await storedHashes(trx, replays.map((b) => ({ storeId: b.storeId, posId: b.id })))
      for (const h of headers) if (created.has(basketKey(h.storeId, h.posId))) previous.set(basketKey(h.storeId, h.posId), h.contentHash)
      return previous
    })
    failed = false
    return stored
  } finally {
    // A connection that failed may be mid-COPY: closed rather than handed back.
    session.release(failed)
  }
}


function byKey(a: BasketInput, b: BasketInput): number {
  return a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

function headerRow(b: BasketInput, cards: Map<string, number>, contentHash: string): HeaderRow {
  let total = 0
  for (const it of b.items) total += Math.round(it.quantity * it.unitPriceCents) - (it.discountCents ?? 0)
  return {
    storeId: b.storeId,
    posId: b.id,
    lane: b.lane,
    cardNumber: b.cardNumber ?? null,
    householdId: b.cardNumber ? (cards.get(b.cardNumber) ?? 0) : 0,
    occurredAt: b.occurredAt,
    lineCount: b.items.length,
    totalCents: total,
    codes: (b.redeemedCodes ?? []).join('\u001f'),
    contentHash,
  }
}

function lineColumns(baskets: readonly BasketInput[], headers: readonly HeaderRow[], created: Map<string, number>): LineColumns {
  const c: LineColumns = { householdId: [], occurredAt: [], transactionId: [], lineNo: [], sku: [], quantity: [], unitPriceCents: [], discountCents: [] }
  baskets.forEach((b, i) => {
    const id = created.get(basketKey(b.storeId, b.id))
    if (id === undefined) return
    const h = headers[i]!
    b.items.forEach((it, n) => {
      c.householdId.push(h.householdId)
      c.occurredAt.push(b.occurredAt)
      c.transactionId.push(id)
      c.lineNo.push(n + 1)
      c.sku.push(it.sku)
      c.quantity.push(it.quantity)
      c.unitPriceCents.push(it.unitPriceCents)
      c.discountCents.push(it.discountCents ?? 0)
    })
  })
  return c
}

/** A stable digest of what the basket says, independent of JSON key order and offset spelling. */
export function contentHash(b: BasketInput): string {
  const canonical = JSON.stringify([
    b.lane,
    b.cardNumber ?? null,
    new Date(b.occurredAt).getTime(),
    b.items.map((i) => [i.sku, i.quantity, i.unitPriceCents, i.discountCents ?? 0]),
    b.redeemedCodes ?? [],
  ])
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 32)
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)].sort()
}

function distinctProducts(baskets: readonly BasketInput[]): Map<string, string> {
  const m = new Map<string, string>()
  for (const b of baskets) for (const it of b.items) if (!m.has(it.sku)) m.set(it.sku, it.description?.trim() || `Unknown item ${it.sku}`)
  return new Map([...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))
}
