import { type Kysely, sql } from 'kysely'

// Two sessions opening the same month at once: the second waits on the advisory lock while the
// first creates the partition, then checks again with to_regclass, which reads the catalog cache.
// Taking an advisory lock does not refresh that cache (taking a relation lock would), so the second
// check could still say "missing" and the CREATE then failed with duplicate_table, or a duplicate
// pg_type row. The month exists by then, so those errors now mean "done". Frozen in time: never
// import from src/.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION pantry_ensure_line_partition(at timestamptz) RETURNS void
    LANGUAGE plpgsql AS $fn$
    DECLARE
      month_start timestamp := date_trunc('month', at AT TIME ZONE 'UTC');
      part text := 'transaction_line_' || to_char(month_start, 'YYYY_MM');
    BEGIN
      IF to_regclass(part) IS NOT NULL THEN RETURN; END IF;
      PERFORM pg_advisory_xact_lock(hashtext('pantry.transaction_line.partition'));
      IF to_regclass(part) IS NOT NULL THEN RETURN; END IF;
      BEGIN
        EXECUTE format(
          'CREATE TABLE %I PARTITION OF transaction_line FOR VALUES FROM (%L) TO (%L)',
          part,
          to_char(month_start, 'YYYY-MM-DD') || ' 00:00:00+00',
          to_char(month_start + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00'
        );
      EXCEPTION WHEN duplicate_table OR unique_violation THEN
        -- created meanwhile by another session (see above)
        NULL;
      END;
    END
    $fn$;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION pantry_ensure_line_partition(at timestamptz) RETURNS void
    LANGUAGE plpgsql AS $fn$
    DECLARE
      month_start timestamp := date_trunc('month', at AT TIME ZONE 'UTC');
      part text := 'transaction_line_' || to_char(month_start, 'YYYY_MM');
    BEGIN
      IF to_regclass(part) IS NOT NULL THEN RETURN; END IF;
      PERFORM pg_advisory_xact_lock(hashtext('pantry.transaction_line.partition'));
      IF to_regclass(part) IS NOT NULL THEN RETURN; END IF;
      EXECUTE format(
        'CREATE TABLE %I PARTITION OF transaction_line FOR VALUES FROM (%L) TO (%L)',
        part,
        to_char(month_start, 'YYYY-MM-DD') || ' 00:00:00+00',
        to_char(month_start + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00'
      );
    END
    $fn$;
  `.execute(db)
}
