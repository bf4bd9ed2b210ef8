import { createHash } from 'node:crypto'
import type { Ctx } from '../../context.ts'
import { retryOnDeadlock } from '../../db/transaction.ts'
import {
  basketKey,
  enrolCards,
  ensureLinePartitions,
  type HeaderRow,
  insertBaskets,
  knownSkus,
  type LineColumns,
  rememberSkus,
  storedHashes,
} from './transactions.repository.ts'
import type { BasketInput } from './transactions.schemas.ts'

export type IngestOutcome = { status: 'accepted'; lines: number } | { status: 'conflict' }

/**
 * Stores valid baskets, each all-or-nothing, in one statement for the whole request or group.
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
  const products = placeholderProducts(ctx.db, unique)
  const headers = unique.map((b) => headerRow(b, hashes[firstByKey.get(basketKey(b.storeId, b.id))!]!))
  const stored = await retryOnDeadlock(() => writeBaskets(ctx, unique, headers, products))
  rememberSkus(ctx.db, products.skus)
  return baskets.map((b, i) =>
    stored.get(basketKey(b.storeId, b.id)) === hashes[i] ? { status: 'accepted', lines: b.items.length } : { status: 'conflict' },
  )
}

/**
 * Returns the stored content hash of every basket key (new or already there). The baskets go in
 * with one statement (insertBaskets); those with a card never seen before go in after their cards
 * are enrolled, and the hashes of the baskets that were there already are read back.
 */
async function writeBaskets(ctx: Ctx, unique: BasketInput[], headers: HeaderRow[], products: Products): Promise<Map<string, string>> {
  const first = await insertBaskets(ctx.db, headers, lineColumns(unique), products)
  const created = first.created
  let late = first.unknownCard
  for (let round = 1; late.length > 0; round++) {
    // enrolled meanwhile by another lane or claimed by a household import: the next round sees them
    if (round > 3) throw new Error(`could not enrol cards ${late.map((i) => unique[i]!.cardNumber).join(', ')}`)
    const baskets = late.map((i) => unique[i]!)
    await enrolCards(ctx.db, [...new Set(baskets.map((b) => b.cardNumber!))].sort())
    const again = await insertBaskets(ctx.db, late.map((i) => headers[i]!), lineColumns(baskets), { skus: [], names: [] })
    for (const [k, id] of again.created) created.set(k, id)
    late = again.unknownCard.map((j) => late[j]!)
  }
  const stored = await storedHashes(ctx.db, headers.filter((h) => !created.has(basketKey(h.storeId, h.posId))))
  for (const h of headers) if (created.has(basketKey(h.storeId, h.posId))) stored.set(basketKey(h.storeId, h.posId), h.contentHash)
  return stored
}

function byKey(a: BasketInput, b: BasketInput): number {
  return a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

function headerRow(b: BasketInput, contentHash: string): HeaderRow {
  let total = 0
  for (const it of b.items) total += Math.round(it.quantity * it.unitPriceCents) - (it.discountCents ?? 0)
  return {
    storeId: b.storeId,
    posId: b.id,
    lane: b.lane,
    cardNumber: b.cardNumber ?? null,
    occurredAt: b.occurredAt,
    lineCount: b.items.length,
    totalCents: total,
    codes: (b.redeemedCodes ?? []).join('\u001f'),
    contentHash,
  }
}

/** The lines of `baskets`, numbered 1, 2, … within each; `basket` is 1-based, as insertBaskets numbers them. */
function lineColumns(baskets: readonly BasketInput[]): LineColumns {
  const c: LineColumns = { basket: [], lineNo: [], sku: [], quantity: [], unitPriceCents: [], discountCents: [] }
  baskets.forEach((b, i) => {
    b.items.forEach((it, n) => {
      c.basket.push(i + 1)
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

type Products = { skus: string[]; names: string[] }

/**
 * The placeholder products to create: the SKUs of `baskets` this process does not know to exist,
 * sorted (one lock order), each named by its first description or 'Unknown item <sku>'.
 */
function placeholderProducts(db: Ctx['db'], baskets: readonly BasketInput[]): Products {
  const known = knownSkus(db)
  const names = new Map<string, string>()
  for (const b of baskets) for (const it of b.items) if (!known.has(it.sku) && !names.has(it.sku)) names.set(it.sku, it.description?.trim() || `Unknown item ${it.sku}`)
  const skus = [...names.keys()].sort()
  return { skus, names: skus.map((s) => names.get(s)!) }
}
