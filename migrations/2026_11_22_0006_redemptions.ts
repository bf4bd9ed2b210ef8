import { type Kysely, sql } from 'kysely'

// Checkout redemption (docs/redemption.md). An offer instance is redeemed at most once: the
// conditional UPDATE of offer_instance.redeemed_at decides, and the partial unique index on live
// redemption lines backs it up. A lane's request is idempotent by (store_id, transaction_id): the
// committed answer is kept in `redemption.result` and a replay gets it back. Frozen in time: never
// import from src/.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Redemption updates rows in place; room on each page keeps those updates HOT (no index writes).
    ALTER TABLE offer_instance SET (fillfactor = 80);
    ALTER TABLE offer_instance
      -- the reward as printed ({ kind, amountCents | percent | priceCents }); NULL = look it up in the
      -- list snapshot, then the offer
      ADD COLUMN reward jsonb,
      -- the transaction holding the instance while redeemed_at is set
      ADD COLUMN redeemed_store_id text,
      ADD COLUMN redeemed_transaction_id text;
    -- a loyalty card alone applies the household's instances valid today
    CREATE INDEX offer_instance_household_expiry_idx ON offer_instance (household_id, expires_on);

    -- One row per lane transaction that redeemed (or tried to): the idempotency key and its answer.
    CREATE TABLE redemption (
      store_id text NOT NULL,
      transaction_id text NOT NULL,
      lane text,
      household_id bigint,
      -- lane: POST /v1/redemptions; offline: replayed by a lane that accepted the codes offline;
      -- basket: codes posted with a basket to /v1/transactions
      source text NOT NULL CHECK (source IN ('lane', 'offline', 'basket')),
      -- digest of the request: the same key with other content is refused
      request_hash text NOT NULL,
      -- { redeemed, rejected, totalDiscountCents } exactly as first answered
      result jsonb NOT NULL,
      discount_cents integer NOT NULL CHECK (discount_cents >= 0),
      -- business time: the lane's clock for offline replays and baskets, else the service's
      occurred_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      voided_at timestamptz,
      PRIMARY KEY (store_id, transaction_id)
    );
    -- rows arrive in time order: a BRIN index costs next to nothing to keep
    CREATE INDEX redemption_created_idx ON redemption USING brin (created_at);

    CREATE TABLE redemption_line (
      store_id text NOT NULL,
      transaction_id text NOT NULL,
      code text NOT NULL,
      household_id bigint NOT NULL,
      offer_id text NOT NULL,
      sku text NOT NULL,
      discount_cents integer NOT NULL CHECK (discount_cents >= 0),
      lane text,
      redeemed_at timestamptz NOT NULL,
      voided_at timestamptz,
      void_reason text CHECK (void_reason IN ('void', 'return')),
      -- the transaction that reversed it: the voided one itself, or the return basket
      void_store_id text,
      void_transaction_id text,
      -- (store_id, transaction_id) is its redemption's: both are written in one transaction, the
      -- header last. No foreign key: its check at commit would lock the header row once per line.
      PRIMARY KEY (store_id, transaction_id, code),
      CHECK ((voided_at IS NULL) = (void_reason IS NULL))
    );
    -- the second guard of "once only": one live redemption per instance
    CREATE UNIQUE INDEX redemption_line_live_code_idx ON redemption_line (code) WHERE voided_at IS NULL;
    -- reports read a window of days (and group by offer): lines arrive in time order, so BRIN
    CREATE INDEX redemption_line_redeemed_idx ON redemption_line USING brin (redeemed_at);
    -- a returned item finds the household's latest live redemption of that SKU
    CREATE INDEX redemption_line_household_sku_idx ON redemption_line (household_id, sku, redeemed_at)
      WHERE voided_at IS NULL;

    -- Redemption-time counters per offer, checked against offer.budget_count / budget_cents by a
    -- conditional upsert (never read-then-write), decremented by voids and returns.
    CREATE TABLE offer_budget (
      offer_id text PRIMARY KEY,
      redeemed_count integer NOT NULL DEFAULT 0 CHECK (redeemed_count >= 0),
      redeemed_cents bigint NOT NULL DEFAULT 0 CHECK (redeemed_cents >= 0),
      -- the offer's budget as of the last charge (copied in by the charging upsert, which checks it)
      budget_count integer,
      budget_cents bigint
    ) WITH (fillfactor = 50);  -- hot rows updated in place (HOT), pruned as they go

    -- What an offline lane (or a basket posted after the sale) granted but the service refused,
    -- above all the same instance redeemed at two lanes: kept for review, never dropped silently.
    CREATE TABLE redemption_exception (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('double_redemption', 'budget_exhausted', 'expired', 'not_yet_valid',
                                         'other_household', 'household_opted_out', 'unknown_or_forged')),
      -- as scanned (canonical when it is one of our codes)
      code text NOT NULL,
      offer_id text,
      store_id text NOT NULL,
      transaction_id text NOT NULL,
      lane text,
      occurred_at timestamptz NOT NULL,
      -- the transaction that redeemed the instance first (double redemptions)
      other_store_id text,
      other_transaction_id text,
      created_at timestamptz NOT NULL,
      reviewed_at timestamptz,
      note text,
      UNIQUE (store_id, transaction_id, code)
    );
    CREATE INDEX redemption_exception_open_idx ON redemption_exception (created_at) WHERE reviewed_at IS NULL;

    -- A returned item (a negative line in a basket) restores one redemption of that SKU, once per
    -- return basket and SKU however often the basket is replayed.
    CREATE TABLE redemption_return (
      store_id text NOT NULL,
      transaction_id text NOT NULL,
      sku text NOT NULL,
      -- the instance restored; NULL when the household had no live redemption of the SKU
      code text,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (store_id, transaction_id, sku)
    );
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS redemption_return;
    DROP TABLE IF EXISTS redemption_exception;
    DROP TABLE IF EXISTS offer_budget;
    DROP TABLE IF EXISTS redemption_line;
    DROP TABLE IF EXISTS redemption;
    DROP INDEX IF EXISTS offer_instance_household_expiry_idx;
    ALTER TABLE offer_instance RESET (fillfactor);
    ALTER TABLE offer_instance
      DROP COLUMN IF EXISTS reward,
      DROP COLUMN IF EXISTS redeemed_store_id,
      DROP COLUMN IF EXISTS redeemed_transaction_id;
  `.execute(db)
}
