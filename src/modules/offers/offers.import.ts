import type { Ctx } from '../../context.ts'
import { type ChunkedImport, type Parsed as ParsedRow, runChunkedImport } from '../imports/chunked-import.ts'
import type { ImportOptions, ImportSummary } from '../imports/import-report.ts'
import { attributes, bool, cells, isReason, list, money, multipliers, type Parsed, share, whole } from './offers.csv-syntax.ts'
import { loadFunderIndex } from './offers.repository.ts'
import { type FunderInput, funderInput, type OfferInput, offerInput } from './offers.schemas.ts'
import { putOffers } from './offers.service.ts'

export const OFFERS_HEADER = [
  'offer_id',
  'funder_id',
  'funder_type',
  'funder_name',
  'funder_gcp',
  'funder_cap',
  'title',
  'description',
  'target_skus',
  'target_brand',
  'target_category',
  'target_subcategory',
  'reward_kind',
  'reward_value',
  'min_quantity',
  'valid_from',
  'valid_to',
  'per_household_limit',
  'budget',
  'budget_count',
  'funder_share',
  'cells',
  'tiers',
  'attributes',
  'conversion',
  'usage_multipliers',
  'active',
  'gs1_offer_code',
] as const
type Column = (typeof OFFERS_HEADER)[number]
type Values = Record<Column, string>

/** A row: its offer, and its funder when the row defines (or redefines) one. */
interface Row {
  readonly offer: OfferInput
  readonly funder: FunderInput | null
}

// zod paths → CSV columns, for the reasons of refused rows
const COLUMN: Record<string, string> = {
  id: 'offer_id',
  funderId: 'funder_id',
  reward: 'reward_value',
  minQuantity: 'min_quantity',
  validFrom: 'valid_from',
  validTo: 'valid_to',
  perHouseholdLimit: 'per_household_limit',
  budgetCents: 'budget',
  budgetCount: 'budget_count',
  funderShare: 'funder_share',
  usageMultipliers: 'usage_multipliers',
  gs1OfferCode: 'gs1_offer_code',
  gs1CompanyPrefix: 'funder_gcp',
  capCents: 'funder_cap',
  skus: 'target_skus',
  brand: 'target_brand',
  category: 'target_category',
  subcategory: 'target_subcategory',
  type: 'funder_type',
  name: 'funder_name',
}

function reward(kind: string, value: string): Parsed<OfferInput['reward']> {
  if (kind === 'percent_off') {
    const p = whole('reward_value', value.replace(/%$/, ''), null, 1)
    if (isReason(p)) return p
    return p === null || p > 100 ? { reason: `reward_value: "${value}" must be a percentage 1 to 100` } : { kind, percent: p }
  }
  if (kind !== 'amount_off' && kind !== 'fixed_price') return { reason: `reward_kind: "${kind}" must be amount_off, percent_off or fixed_price` }
  const cents = money('reward_value', value)
  if (isReason(cents)) return cents
  if (cents === null) return { reason: 'reward_value: an amount like 1.50 is required' }
  return kind === 'amount_off' ? { kind, amountCents: cents } : { kind, priceCents: cents }
}

/** The offer's columns, converted (not yet validated as a whole). */
function offerFields(v: Values): Parsed<Record<string, unknown>> {
  const f: Record<string, unknown> = {
    reward: reward(v.reward_kind, v.reward_value),
    minQuantity: whole('min_quantity', v.min_quantity, 1, 1),
    perHouseholdLimit: whole('per_household_limit', v.per_household_limit, 1, 1),
    budgetCents: money('budget', v.budget),
    budgetCount: whole('budget_count', v.budget_count, null),
    funderShare: share('funder_share', v.funder_share),
    cells: cells('cells', v.cells),
    attributes: attributes('attributes', v.attributes),
    usageMultipliers: multipliers('usage_multipliers', v.usage_multipliers),
    active: bool('active', v.active, true),
  }
  for (const x of Object.values(f)) if (isReason(x)) return x
  if (v.conversion !== '' && v.conversion !== 'national') return { reason: `conversion: "${v.conversion}" must be national or empty` }
  const { cells: c, attributes: a, ...rest } = f as { cells: unknown[]; attributes: unknown[] }
  const tiers = list(v.tiers)
  // Only the lists given: an empty list would mean "nobody", a missing one "anybody".
  const targeting = { ...(c.length ? { cells: c } : {}), ...(tiers.length ? { tiers } : {}), ...(a.length ? { attributes: a } : {}) }
  return { ...rest, targeting }
}

function reasonOf(issue: { path: readonly PropertyKey[]; message: string }): { reason: string } {
  const [first, second] = issue.path.map(String)
  const column = first === 'target' || first === 'targeting' ? (second ? (COLUMN[second] ?? second) : first) : (COLUMN[first ?? ''] ?? first)
  return { reason: `${column}: ${issue.message}` }
}

function parseOffer(v: Values): Parsed<OfferInput> {
  const f = offerFields(v)
  if (isReason(f)) return f
  const r = offerInput.safeParse({
    ...f,
    id: v.offer_id,
    funderId: v.funder_id,
    title: v.title,
    description: v.description,
    target: { skus: list(v.target_skus), brand: v.target_brand, category: v.target_category, subcategory: v.target_subcategory },
    validFrom: v.valid_from || null,
    validTo: v.valid_to || null,
    conversion: v.conversion ? { fromBrandType: v.conversion } : null,
    gs1OfferCode: v.gs1_offer_code || null,
  })
  return r.success ? r.data : reasonOf(r.error.issues[0]!)
}

function parseFunder(v: Values): Parsed<FunderInput | null> {
  if (!v.funder_type && !v.funder_name && !v.funder_gcp && !v.funder_cap) return null
  const capCents = money('funder_cap', v.funder_cap)
  if (isReason(capCents)) return capCents
  const r = funderInput.safeParse({ id: v.funder_id, type: v.funder_type, name: v.funder_name, gs1CompanyPrefix: v.funder_gcp || null, capCents })
  return r.success ? r.data : reasonOf(r.error.issues[0]!)
}

/** What earlier rows (and the database) say about funders and GS1 offer codes. */
interface FileState {
  readonly funders: Map<string, FunderInput>
  readonly definedHere: Set<string>
  /** `funder/code` → offer id */
  readonly codes: Map<string, string>
}

const same = (a: FunderInput, b: FunderInput) => JSON.stringify(a) === JSON.stringify(b)

/** Cross-row rules: one definition of a funder per file, known funders, GS1 codes unique per funder. */
function checkAgainstFile(state: FileState, offer: OfferInput, funder: FunderInput | null): { reason: string } | undefined {
  if (funder && state.definedHere.has(funder.id) && !same(funder, state.funders.get(funder.id)!)) {
    return { reason: `funder_id: funder ${funder.id} is defined differently on an earlier row` }
  }
  const known = funder ?? state.funders.get(offer.funderId)
  if (!known) return { reason: `funder_id: unknown funder ${offer.funderId}; define it (funder_type, funder_name) on its first row` }
  if (!offer.gs1OfferCode) return undefined
  if (known.type !== 'manufacturer') return { reason: 'gs1_offer_code: only a manufacturer offer carries a GS1 offer code' }
  const owner = state.codes.get(`${offer.funderId}/${offer.gs1OfferCode}`)
  if (owner !== undefined && owner !== offer.id) return { reason: `gs1_offer_code: already used by offer ${owner} of funder ${offer.funderId}` }
  return undefined
}

function rowParser(state: FileState) {
  return (values: readonly string[]): Row | { reason: string } => {
    const v = Object.fromEntries(OFFERS_HEADER.map((h, i) => [h, (values[i] ?? '').trim()])) as Values
    const offer = parseOffer(v)
    if (isReason(offer)) return offer
    const funder = parseFunder(v)
    if (isReason(funder)) return funder
    const refused = checkAgainstFile(state, offer, funder)
    if (refused) return refused
    if (funder) {
      state.funders.set(funder.id, funder)
      state.definedHere.add(funder.id)
    }
    if (offer.gs1OfferCode) state.codes.set(`${offer.funderId}/${offer.gs1OfferCode}`, offer.id)
    return { offer, funder }
  }
}

/** The last row of an offer wins within a chunk; the rows it replaced count as duplicates. */
async function flushOffers(ctx: Ctx, rows: readonly ParsedRow<Row>[]) {
  const offers = new Map<string, OfferInput>()
  const funders = new Map<string, FunderInput>()
  for (const { row } of rows) {
    offers.set(row.offer.id, row.offer)
    if (row.funder) funders.set(row.funder.id, row.funder)
  }
  const c = await putOffers(ctx, { funders: [...funders.values()], offers: [...offers.values()] })
  const imported = c.created + c.updated
  return { imported, duplicates: rows.length - imported }
}

/**
 * `pantry import offers FILE`: the same upsert as PUT /v1/offers. A row defines its funder when it
 * fills funder_type/funder_name (once per file), or names an existing one by funder_id alone.
 */
export async function importOffersFile(ctx: Ctx, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  const index = await loadFunderIndex(ctx.db)
  const state: FileState = {
    funders: new Map(index.funders.map((f) => [f.id, { id: f.id, type: f.type, name: f.name, gs1CompanyPrefix: f.gs1_company_prefix, capCents: f.cap_cents }])),
    definedHere: new Set(),
    codes: new Map(index.codes.map((c) => [`${c.funder_id}/${c.gs1_offer_code}`, c.id])),
  }
  const spec: ChunkedImport<Row> = { kind: 'offers', header: OFFERS_HEADER, parse: rowParser(state), flush: flushOffers, chunkSize: 500 }
  return runChunkedImport(ctx, file, opts, spec)
}
