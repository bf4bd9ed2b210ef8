import { type Kysely, sql } from 'kysely'

// What the list cycle needs beyond the lists schema (0005). Frozen in time: never import from src/.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- pages of the list's PDF, so a resumed cycle can write the print files' manifest without
    -- reading back the PDFs it rendered before
    ALTER TABLE issued_list ADD COLUMN pdf_pages integer CHECK (pdf_pages > 0);
    -- a cycle's instances per offer: the budget check of every chunk the cycle writes
    -- (funderCycleUse) and the per-cycle sums of reports
    CREATE INDEX offer_instance_cycle_idx ON offer_instance (cycle_start, offer_id);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS offer_instance_cycle_idx;
    ALTER TABLE issued_list DROP COLUMN IF EXISTS pdf_pages;
  `.execute(db)
}
