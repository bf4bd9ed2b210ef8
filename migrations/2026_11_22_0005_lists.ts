import { type Kysely, sql } from 'kysely'

// The biweekly list cycle: each cycle, who was in it (list or control arm), the issued lists as
// immutable snapshots, and the offer instances printed on them (each redeemable once).
// Household-keyed like transaction_line, so the cycle's per-household joins stay shard-local if the
// tables are ever distributed by household (see docs/schema.md).

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE list_cycle (
      cycle_start date PRIMARY KEY,
      -- last day of the cycle, inclusive
      cycle_end date NOT NULL CHECK (cycle_end >= cycle_start),
      status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished')),
      -- the cycle predicts from transactions strictly before this instant
      as_of timestamptz NOT NULL,
      params jsonb NOT NULL DEFAULT '{}',
      qualified integer,
      issued integer,
      control integer,
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    );

    -- Every qualified household of a cycle and its arm; the control arm gets no list, so that the
    -- lift of the lists can be measured against it.
    CREATE TABLE cycle_household (
      household_id bigint NOT NULL,
      cycle_start date NOT NULL REFERENCES list_cycle (cycle_start),
      arm text NOT NULL CHECK (arm IN ('list', 'control')),
      PRIMARY KEY (household_id, cycle_start)
    );
    CREATE INDEX cycle_household_cycle_idx ON cycle_household (cycle_start, arm);

    CREATE TABLE issued_list (
      household_id bigint NOT NULL,
      cycle_start date NOT NULL REFERENCES list_cycle (cycle_start),
      list_code text NOT NULL UNIQUE,
      store_id text NOT NULL,
      card_number text NOT NULL,
      postal_code text,
      -- everything printed (ListSnapshot in src/modules/lists/list.types.ts); never updated
      snapshot jsonb NOT NULL,
      offer_value_cents integer NOT NULL DEFAULT 0,
      issued_at timestamptz NOT NULL DEFAULT now(),
      -- set once the PDF is written; a resumed run renders what is still NULL
      rendered_at timestamptz,
      pdf_file text,
      PRIMARY KEY (household_id, cycle_start)
    );
    CREATE INDEX issued_list_cycle_idx ON issued_list (cycle_start, store_id, postal_code);

    CREATE TABLE offer_instance (
      household_id bigint NOT NULL,
      code text NOT NULL UNIQUE,
      -- numeric serial carried in the GS1 (8110) barcode of a manufacturer offer
      gs1_serial text UNIQUE,
      cycle_start date NOT NULL,
      list_code text NOT NULL,
      offer_id text NOT NULL,
      sku text NOT NULL,
      value_cents integer NOT NULL CHECK (value_cents >= 0),
      min_quantity integer NOT NULL DEFAULT 1 CHECK (min_quantity >= 1),
      valid_from date NOT NULL,
      expires_on date NOT NULL CHECK (expires_on >= valid_from),
      -- set by the one redemption that wins (conditional UPDATE ... WHERE redeemed_at IS NULL)
      redeemed_at timestamptz,
      PRIMARY KEY (household_id, code)
    );
    CREATE INDEX offer_instance_offer_idx ON offer_instance (offer_id);
    CREATE INDEX offer_instance_list_idx ON offer_instance (list_code);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS offer_instance;
    DROP TABLE IF EXISTS issued_list;
    DROP TABLE IF EXISTS cycle_household;
    DROP TABLE IF EXISTS list_cycle;
  `.execute(db)
}
