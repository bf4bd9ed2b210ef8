import type { Ctx } from '../../context.ts'
import { type ChunkedImport, type Parsed, runChunkedImport } from '../imports/chunked-import.ts'
import type { ImportOptions, ImportSummary } from '../imports/import-report.ts'
import { type HouseholdInput, householdInput } from './households.schemas.ts'
import { upsertHouseholdBatch } from './households.service.ts'

export const HOUSEHOLDS_HEADER = ['card_number', 'household_id', 'name', 'email', 'postal_code', 'opted_in'] as const

const COLUMN: Record<string, string> = { householdId: 'household_id', postalCode: 'postal_code', optedIn: 'opted_in', cards: 'card_number' }
const BOOL = new Map(Object.entries({ true: true, false: false, '1': true, '0': false, yes: true, no: false, y: true, n: false }))

/** One CSV row: a household and one of its cards (`cards` has exactly one entry). */
type Row = HouseholdInput

function parseHouseholdRow(values: readonly string[]): Row | { reason: string } {
  const [card, householdId, name, email, postalCode, optedInText] = values.map((v) => v.trim())
  const optedIn = BOOL.get((optedInText ?? '').toLowerCase())
  if (optedIn === undefined) return { reason: `opted_in: "${optedInText}" is not one of true, false, 1, 0, yes, no, y, n` }
  const r = householdInput.safeParse({ householdId, name, email, postalCode, optedIn, cards: [card] })
  if (r.success) return r.data
  const issue = r.error.issues[0]!
  const key = String(issue.path[0] ?? '')
  return { reason: `${COLUMN[key] ?? key}: ${issue.message}` }
}

/**
 * Groups a chunk's rows by household (the last row's name, email, postal code and consent win) and
 * writes them with the same service as PUT /v1/households. A card listed twice in the chunk goes
 * to its last household; the rows it replaced count as duplicates.
 */
async function flushHouseholds(ctx: Ctx, rows: readonly Parsed<Row>[]) {
  const owner = new Map<string, Parsed<Row>>()
  const households = new Map<string, HouseholdInput>()
  for (const p of rows) {
    owner.set(p.row.cards[0]!, p)
    households.set(p.row.householdId, { ...p.row, cards: [] })
  }
  for (const [card, p] of owner) households.get(p.row.householdId)!.cards.push(card)
  const r = await upsertHouseholdBatch(ctx, [...households.values()], 'import')
  let imported = 0
  for (const p of rows) {
    const card = p.row.cards[0]!
    if (owner.get(card) === p && (r.households.has(p.row.householdId) || r.cards.has(card))) imported++
  }
  return { imported, duplicates: rows.length - imported }
}

const spec: ChunkedImport<Row> = { kind: 'households', header: HOUSEHOLDS_HEADER, parse: parseHouseholdRow, flush: flushHouseholds }

/** `pantry import households FILE`: one row per card; cards are attached or moved, never detached. */
export async function importHouseholdsFile(ctx: Ctx, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  return runChunkedImport(ctx, file, opts, spec)
}
