import { type Kysely, sql } from 'kysely'
import type { BrandType, DB } from '../../src/db/schema.ts'
import { gs1CouponElementString, listCode, offerCode, offerSerial } from '../../src/modules/codes/codes.ts'
import type { OfferReward } from '../../src/modules/lists/list.types.ts'

// Typed builders for test data, straight SQL into the real tables (no service logic in between,
// so a test states exactly the rows it means). Each returns the id it created.

export async function makeStore(db: Kysely<DB>, id = 's1'): Promise<string> {
  await sql`INSERT INTO store (id) VALUES (${id}) ON CONFLICT DO NOTHING`.execute(db)
  return id
}

export interface ProductSpec {
  readonly sku: string
  readonly name?: string
  readonly brandType?: BrandType | null
  readonly category?: string | null
  readonly subcategory?: string | null
  readonly priceCents?: number
}

export async function makeProduct(db: Kysely<DB>, p: ProductSpec): Promise<string> {
  await db
    .insertInto('product')
    .values({
      sku: p.sku,
      name: p.name ?? `Product ${p.sku}`,
      brand_type: p.brandType === undefined ? 'national' : p.brandType,
      category: p.category === undefined ? 'GROCERY' : p.category,
      subcategory: p.subcategory === undefined ? 'MISC' : p.subcategory,
      price_cents: p.priceCents ?? 100,
    })
    .execute()
  return p.sku
}

export interface HouseholdSpec {
  readonly externalId?: string
  readonly optedIn?: boolean
  readonly cards?: readonly string[]
  /** Explicit internal id (e.g. 0, the no-card household). */
  readonly id?: number
}

let households = 0

export async function makeHousehold(db: Kysely<DB>, h: HouseholdSpec = {}): Promise<number> {
  households++
  const row = await db
    .insertInto('household')
    .values({
      ...(h.id === undefined ? {} : { id: h.id }),
      external_id: h.externalId ?? `auto-${households}`,
      opted_in: h.optedIn ?? true,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  for (const card of h.cards ?? []) {
    await db.insertInto('loyalty_card').values({ card_number: card, household_id: row.id }).execute()
  }
  return row.id
}

export interface LineSpec {
  readonly sku: string
  readonly quantity?: number
  readonly unitPriceCents: number
  readonly discountCents?: number
}

export interface BasketSpec {
  readonly householdId: number
  readonly at: Date | string
  readonly lines: readonly LineSpec[]
  readonly storeId?: string
  readonly cardNumber?: string | null
}

let baskets = 0

/** One basket and its lines (creating the store and the month's line partition first). */
export async function makeBasket(db: Kysely<DB>, b: BasketSpec): Promise<number> {
  const at = typeof b.at === 'string' ? new Date(b.at) : b.at
  const storeId = await makeStore(db, b.storeId)
  await sql`SELECT pantry_ensure_line_partition(${at}::timestamptz)`.execute(db)
  const total = b.lines.reduce((s, l) => s + Math.round((l.quantity ?? 1) * l.unitPriceCents) - (l.discountCents ?? 0), 0)
  const t = await db
    .insertInto('pos_transaction')
    .values({
      store_id: storeId,
      pos_transaction_id: `auto-${++baskets}`,
      card_number: b.cardNumber ?? null,
      household_id: b.householdId,
      occurred_at: at,
      line_count: b.lines.length,
      total_cents: total,
      content_hash: 'test',
      source: 'api',
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('transaction_line')
    .values(
      b.lines.map((l, i) => ({
        household_id: b.householdId,
        occurred_at: at,
        transaction_id: t.id,
        line_no: i + 1,
        sku: l.sku,
        quantity: l.quantity ?? 1,
        unit_price_cents: l.unitPriceCents,
        discount_cents: l.discountCents ?? 0,
      })),
    )
    .execute()
  return t.id
}

/** `days` days (fractions allowed) before `t`. */
export function daysBefore(t: Date, days: number): Date {
  return new Date(t.getTime() - days * 86_400_000)
}

// --- Offers, issued lists and their offer instances (redemption tests) ---

/** The code secret of test apps (buildTestApp) and of the codes the factories below print. */
export const TEST_CODE_SECRET = 'test-code-secret-not-for-production'

export interface FundedOfferSpec {
  readonly id: string
  readonly sku: string
  readonly reward?: OfferReward
  readonly minQuantity?: number
  readonly budgetCount?: number | null
  readonly budgetCents?: number | null
  /** A manufacturer offer cleared through GS1 (8110): funder prefix and 6-digit offer code. */
  readonly gs1?: { readonly companyPrefix: string; readonly offerCode: string }
}

/** An offer (and its funder: the store, or a manufacturer with a GS1 prefix). */
export async function makeFundedOffer(db: Kysely<DB>, o: FundedOfferSpec): Promise<string> {
  const funderId = o.gs1 ? `mfr-${o.gs1.companyPrefix}` : 'store'
  await db
    .insertInto('funder')
    .values({ id: funderId, type: o.gs1 ? 'manufacturer' : 'store', name: funderId, gs1_company_prefix: o.gs1?.companyPrefix ?? null })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute()
  const reward = o.reward ?? { kind: 'amount_off', amountCents: 100 }
  await db
    .insertInto('offer')
    .values({
      id: o.id,
      funder_id: funderId,
      title: `Offer ${o.id}`,
      target_skus: [o.sku],
      reward_kind: reward.kind,
      amount_cents: reward.kind === 'amount_off' ? reward.amountCents : null,
      percent: reward.kind === 'percent_off' ? reward.percent : null,
      price_cents: reward.kind === 'fixed_price' ? reward.priceCents : null,
      min_quantity: o.minQuantity ?? 1,
      budget_count: o.budgetCount ?? null,
      budget_cents: o.budgetCents ?? null,
      gs1_offer_code: o.gs1?.offerCode ?? null,
    })
    .execute()
  return o.id
}

export interface InstanceSpec {
  readonly offerId: string
  readonly sku: string
  /** Face value; default 100. */
  readonly valueCents?: number
  readonly minQuantity?: number
  readonly validFrom?: string
  readonly expiresOn?: string
  /** The printed reward on offer_instance.reward; null leaves it to the snapshot or the offer. */
  readonly reward?: OfferReward | null
  /** Also print a GS1 (8110) coupon with a keyed serial (the offer must have GS1 identity). */
  readonly gs1?: { readonly companyPrefix: string; readonly offerCode: string }
  /** Put the reward into the list snapshot too (what the cycle prints). */
  readonly inSnapshot?: boolean
}

export interface IssuedListSpec {
  readonly householdId: number
  readonly cardNumber: string
  /** YYYY-MM-DD; the cycle lasts 14 days. */
  readonly cycleStart: string
  readonly storeId?: string
  readonly offers: readonly InstanceSpec[]
}

export interface IssuedListMade {
  readonly listCode: string
  /** Offer codes, in the order of `offers`. */
  readonly codes: string[]
  /** GS1 element strings "(8110)…" of the offers printed with one, else null. */
  readonly gs1: (string | null)[]
}

/** A list cycle, an issued list and its offer instances, with genuine codes (TEST_CODE_SECRET). */
export async function makeIssuedListWithOffers(db: Kysely<DB>, l: IssuedListSpec): Promise<IssuedListMade> {
  const cycleEnd = addDays(l.cycleStart, 13)
  await sql`INSERT INTO list_cycle (cycle_start, cycle_end, as_of) VALUES (${l.cycleStart}::date, ${cycleEnd}::date, ${l.cycleStart}::timestamptz)
            ON CONFLICT DO NOTHING`.execute(db)
  const storeId = await makeStore(db, l.storeId)
  const code = listCode(TEST_CODE_SECRET)
  const instances = l.offers.map((o) => {
    const serial = o.gs1 ? offerSerial(TEST_CODE_SECRET) : null
    const expiresOn = o.expiresOn ?? cycleEnd
    const gs1 = o.gs1 && serial ? gs1CouponElementString({ ...o.gs1, saveValueCents: o.valueCents ?? 100, purchaseRequirement: o.minQuantity ?? 1, expiresOn, serial }) : null
    return { spec: o, code: offerCode(TEST_CODE_SECRET), serial, gs1, expiresOn }
  })
  const snapshot = { listCode: code, offers: instances.filter((i) => i.spec.inSnapshot).map((i) => ({ code: i.code, offerId: i.spec.offerId, sku: i.spec.sku, reward: i.spec.reward })) }
  await db
    .insertInto('issued_list')
    .values({ household_id: l.householdId, cycle_start: l.cycleStart, list_code: code, store_id: storeId, card_number: l.cardNumber, snapshot: JSON.stringify(snapshot) })
    .execute()
  if (instances.length > 0) {
    await db
      .insertInto('offer_instance')
      .values(
        instances.map((i) => ({
          household_id: l.householdId,
          code: i.code,
          gs1_serial: i.serial,
          cycle_start: l.cycleStart,
          list_code: code,
          offer_id: i.spec.offerId,
          sku: i.spec.sku,
          value_cents: i.spec.valueCents ?? 100,
          min_quantity: i.spec.minQuantity ?? 1,
          valid_from: i.spec.validFrom ?? l.cycleStart,
          expires_on: i.expiresOn,
          reward: i.spec.reward === undefined || i.spec.reward === null || i.spec.inSnapshot ? null : JSON.stringify(i.spec.reward),
        })),
      )
      .execute()
  }
  return { listCode: code, codes: instances.map((i) => i.code), gs1: instances.map((i) => i.gs1) }
}

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)
}
