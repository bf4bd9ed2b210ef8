import type { ColumnType, Generated, Insertable, Selectable } from 'kysely'

// Hand-written per Kysely's rules (Generated for defaults, `T | null` for nullable columns) to match
// migrations/. test/db/schema.test.ts checks these column names against the migrated database.

type Timestamp = ColumnType<Date, Date | string, Date | string>
type Created = ColumnType<Date, Date | string | undefined, Date | string>

export interface StoreTable {
  id: string
  name: string | null
  postal_code: string | null
  created_at: Created
}

export type BrandType = 'national' | 'store'

export interface ProductTable {
  sku: string
  name: string
  brand: string | null
  brand_type: BrandType | null
  category: string | null
  subcategory: string | null
  size: string | null
  price_cents: number | null
  active: Generated<boolean>
  placeholder: Generated<boolean>
  created_at: Created
  updated_at: Created
}

export interface HouseholdTable {
  id: Generated<number>
  external_id: string
  name: string | null
  email: string | null
  postal_code: string | null
  opted_in: Generated<boolean>
  consent_changed_at: Timestamp | null
  enrolled_via: Generated<'import' | 'api' | 'pos'>
  created_at: Created
  updated_at: Created
}

export interface LoyaltyCardTable {
  card_number: string
  household_id: number
  created_at: Created
}

export type Role = 'pos' | 'cashier' | 'analyst' | 'admin'

export interface ApiKeyTable {
  id: Generated<number>
  key_id: string
  secret_hash: Buffer
  role: Role
  store_ids: Generated<string[]>
  label: string | null
  created_at: Created
  revoked_at: Timestamp | null
}

export interface PosTransactionTable {
  id: Generated<number>
  store_id: string
  pos_transaction_id: string
  lane: string | null
  card_number: string | null
  household_id: Generated<number>
  occurred_at: Timestamp
  line_count: number
  total_cents: number
  redeemed_codes: Generated<string[]>
  content_hash: string
  source: 'api' | 'import'
  received_at: Created
}

export interface TransactionLineTable {
  household_id: number
  occurred_at: Timestamp
  transaction_id: number
  line_no: number
  sku: string
  /** numeric(12,3), parsed to a JS number (3 decimals fit exactly enough for quantities). */
  quantity: number
  unit_price_cents: number
  discount_cents: Generated<number>
}

export interface ListCycleTable {
  cycle_start: string
  cycle_end: string
  status: Generated<'running' | 'finished'>
  as_of: Timestamp
  params: Generated<unknown>
  qualified: number | null
  issued: number | null
  control: number | null
  started_at: Created
  finished_at: Timestamp | null
}

export interface CycleHouseholdTable {
  household_id: number
  cycle_start: string
  arm: 'list' | 'control'
}

export interface IssuedListTable {
  household_id: number
  cycle_start: string
  list_code: string
  store_id: string
  card_number: string
  postal_code: string | null
  snapshot: unknown
  offer_value_cents: Generated<number>
  issued_at: Created
  rendered_at: Timestamp | null
  pdf_file: string | null
  pdf_pages: number | null
}

export interface OfferInstanceTable {
  household_id: number
  code: string
  gs1_serial: string | null
  cycle_start: string
  list_code: string
  offer_id: string
  sku: string
  value_cents: number
  min_quantity: Generated<number>
  valid_from: string
  expires_on: string
  redeemed_at: Timestamp | null
  /** The printed reward ({ kind, amountCents | percent | priceCents }); null: from the snapshot, else the offer. */
  reward: unknown
  redeemed_store_id: string | null
  redeemed_transaction_id: string | null
}

export type RedemptionSource = 'lane' | 'offline' | 'basket'

export interface RedemptionTable {
  store_id: string
  transaction_id: string
  lane: string | null
  household_id: number | null
  source: RedemptionSource
  request_hash: string
  /** The answer as first given: { redeemed, rejected, totalDiscountCents }. */
  result: unknown
  discount_cents: number
  occurred_at: Timestamp
  created_at: Timestamp
  voided_at: Timestamp | null
}

export interface RedemptionLineTable {
  store_id: string
  transaction_id: string
  code: string
  household_id: number
  offer_id: string
  sku: string
  discount_cents: number
  lane: string | null
  redeemed_at: Timestamp
  voided_at: Timestamp | null
  void_reason: 'void' | 'return' | null
  void_store_id: string | null
  void_transaction_id: string | null
}

export interface OfferBudgetTable {
  offer_id: string
  redeemed_count: Generated<number>
  redeemed_cents: Generated<number>
  budget_count: number | null
  budget_cents: number | null
}

export interface RedemptionExceptionTable {
  id: Generated<number>
  kind: string
  code: string
  offer_id: string | null
  store_id: string
  transaction_id: string
  lane: string | null
  occurred_at: Timestamp
  other_store_id: string | null
  other_transaction_id: string | null
  created_at: Timestamp
  reviewed_at: Timestamp | null
  note: string | null
}

export interface RedemptionReturnTable {
  store_id: string
  transaction_id: string
  sku: string
  code: string | null
  created_at: Timestamp
}

export type FunderType = 'store' | 'manufacturer'

export interface FunderTable {
  id: string
  type: FunderType
  name: string
  gs1_company_prefix: string | null
  /** The funder's share of face value issued per list cycle, over all its offers; null = no cap. */
  cap_cents: number | null
  created_at: Created
  updated_at: Created
}

export type RewardKind = 'amount_off' | 'percent_off' | 'fixed_price'

export interface OfferTable {
  id: string
  funder_id: string
  title: string
  description: string | null
  target_skus: Generated<string[]>
  target_brand: string | null
  target_category: string | null
  target_subcategory: string | null
  reward_kind: RewardKind
  amount_cents: number | null
  percent: number | null
  price_cents: number | null
  min_quantity: Generated<number>
  valid_from: string | null
  valid_to: string | null
  per_household_limit: Generated<number>
  budget_cents: number | null
  budget_count: number | null
  funder_share_bp: Generated<number>
  /** Targeting (offers.schemas.ts `targeting`): { cells?, tiers?, attributes? }. */
  targeting: Generated<unknown>
  conversion_from_brand_type: 'national' | null
  /** { low, medium, high } reward multipliers, or null. */
  usage_multipliers: unknown
  active: Generated<boolean>
  gs1_offer_code: string | null
  created_at: Created
  updated_at: Created
}

export interface DB {
  store: StoreTable
  product: ProductTable
  household: HouseholdTable
  loyalty_card: LoyaltyCardTable
  api_key: ApiKeyTable
  pos_transaction: PosTransactionTable
  transaction_line: TransactionLineTable
  list_cycle: ListCycleTable
  cycle_household: CycleHouseholdTable
  issued_list: IssuedListTable
  offer_instance: OfferInstanceTable
  funder: FunderTable
  offer: OfferTable
  redemption: RedemptionTable
  redemption_line: RedemptionLineTable
  offer_budget: OfferBudgetTable
  redemption_exception: RedemptionExceptionTable
  redemption_return: RedemptionReturnTable
}

export type Product = Selectable<ProductTable>
export type NewProduct = Insertable<ProductTable>
export type Household = Selectable<HouseholdTable>
export type ApiKey = Selectable<ApiKeyTable>
