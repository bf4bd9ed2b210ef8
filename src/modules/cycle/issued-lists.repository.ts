import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { ListSnapshot } from '../lists/list.types.ts'
import type { RenderedList } from '../render/render-worker.ts'

// Reads of a cycle's issued lists for rendering and exports, and the one update an issued list
// ever gets: where its PDF was written. The snapshot itself is never updated.

/** A manifest row of the renderer, plus whether (and where) the list was rendered yet. */
export interface ListFileRow extends Omit<RenderedList, 'file' | 'pages'> {
  readonly renderedAt: Date | null
  readonly file: string | null
  readonly pages: number | null
}

/** Every list of the cycle with its rendering state, small rows only (no snapshots). */
export async function listFiles(db: Kysely<DB>, start: string): Promise<ListFileRow[]> {
  const r = await sql<ListFileRow>`
    SELECT l.list_code AS "listCode", l.snapshot->'household'->>'householdId' AS "householdId",
           l.card_number AS "cardNumber", l.snapshot->'household'->>'name' AS name,
           l.postal_code AS "postalCode", l.store_id AS "storeId", l.cycle_start::text AS "cycleStart",
           l.rendered_at AS "renderedAt", l.pdf_file AS file, l.pdf_pages AS pages
    FROM issued_list l WHERE l.cycle_start = ${start}::date
    ORDER BY l.household_id`.execute(db)
  return r.rows
}

export async function snapshotsByCode(db: Kysely<DB>, codes: readonly string[]): Promise<ListSnapshot[]> {
  if (codes.length === 0) return []
  const rows = await db.selectFrom('issued_list').select('snapshot').where('list_code', 'in', [...codes]).orderBy('household_id').execute()
  return rows.map((r) => r.snapshot as ListSnapshot)
}

/** Records where lists were written; the first render's time is kept. */
export async function markRendered(db: Kysely<DB>, files: readonly { listCode: string; file: string; pages: number }[], at: Date): Promise<void> {
  if (files.length === 0) return
  await sql`
    UPDATE issued_list l SET rendered_at = coalesce(l.rendered_at, ${at}::timestamptz), pdf_file = f.file, pdf_pages = f.pages
    FROM unnest(${files.map((f) => f.listCode)}::text[], ${files.map((f) => f.file)}::text[], ${files.map((f) => f.pages)}::int[])
      AS f(code, file, pages)
    WHERE l.list_code = f.code`.execute(db)
}

/** One page of a cycle's lists in household order, after `afterId`, for streaming exports. */
export async function issuedPage(db: Kysely<DB>, start: string, afterId: number, limit: number) {
  return db
    .selectFrom('issued_list')
    .select(['household_id', 'list_code', 'card_number', 'store_id', 'snapshot'])
    .where('cycle_start', '=', start)
    .where('household_id', '>', afterId)
    .orderBy('household_id')
    .limit(limit)
    .execute()
}
