import { type Kysely, sql } from 'kysely'

// Offers and the funders who pay for them. Frozen in time: never import from src/. See docs/offers.md
// for the semantics of budgets, caps and targeting.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Who pays for an offer: the chain itself, or a manufacturer billed through coupon clearing.
    CREATE TABLE funder (
      id text PRIMARY KEY CHECK (id <> '' AND length(id) <= 64),
      type text NOT NULL CHECK (type IN ('store', 'manufacturer')),
      name text NOT NULL CHECK (name <> ''),
      -- GS1 company prefix: field 1 of an AI (8110) coupon, identifies the funder billed in clearing
      gs1_company_prefix text CHECK (gs1_company_prefix ~ '^[0-9]{6,12}$'),
      -- The funder's liability per list cycle: its share of the face value of the offers issued in
      -- one cycle, over all its offers. NULL = no cap (the offers' own budgets still apply).
      cap_cents bigint CHECK (cap_cents >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (type = 'store' OR gs1_company_prefix IS NOT NULL)
    );

    CREATE TABLE offer (
      -- the chain's own offer id
      id text PRIMARY KEY CHECK (id <> '' AND length(id) <= 64),
      funder_id text NOT NULL REFERENCES funder (id),
      title text NOT NULL CHECK (title <> ''),
      description text,
      -- Target: every given part must match (SKU in the list, brand, category, subcategory).
      target_skus text[] NOT NULL DEFAULT '{}',
      target_brand text,
      target_category text,
      target_subcategory text,
      reward_kind text NOT NULL CHECK (reward_kind IN ('amount_off', 'percent_off', 'fixed_price')),
      amount_cents integer,
      percent integer,
      price_cents integer,
      min_quantity integer NOT NULL DEFAULT 1 CHECK (min_quantity BETWEEN 1 AND 99),
      -- NULL = the dates of the cycle the offer is printed in
      valid_from date,
      valid_to date,
      -- instances one household may receive over the offer's life
      per_household_limit integer NOT NULL DEFAULT 1 CHECK (per_household_limit >= 1),
      -- Total budget over the offer's life, counted at face value of the instances issued (the worst
      -- case: every one redeemed). NULL = unlimited.
      budget_cents bigint CHECK (budget_cents >= 0),
      budget_count integer CHECK (budget_count >= 0),
      -- the funder's part of the face value, in basis points (10000 = all of it)
      funder_share_bp integer NOT NULL DEFAULT 10000 CHECK (funder_share_bp BETWEEN 0 AND 10000),
      -- { cells?, tiers?, attributes? }, validated by the application (offers.schemas.ts)
      targeting jsonb NOT NULL DEFAULT '{}',
      -- 'national': a store-brand conversion offer, printed for national-brand buyers of the subcategory
      conversion_from_brand_type text CHECK (conversion_from_brand_type IN ('national')),
      -- { low, medium, high }: reward multiplier by the household's usage of the subcategory
      usage_multipliers jsonb,
      active boolean NOT NULL DEFAULT true,
      -- field 2 of an AI (8110) coupon, for manufacturer offers cleared through a clearing house
      gs1_offer_code text CHECK (gs1_offer_code ~ '^[0-9]{6}$'),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (cardinality(target_skus) > 0 OR target_brand IS NOT NULL OR target_category IS NOT NULL
             OR target_subcategory IS NOT NULL),
      CHECK (
        (reward_kind = 'amount_off' AND amount_cents > 0 AND percent IS NULL AND price_cents IS NULL)
        OR (reward_kind = 'percent_off' AND percent BETWEEN 1 AND 100 AND amount_cents IS NULL AND price_cents IS NULL)
        OR (reward_kind = 'fixed_price' AND price_cents >= 0 AND amount_cents IS NULL AND percent IS NULL)
      ),
      CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to),
      -- prefix + offer code identify the offer in clearing: one offer per code and funder
      UNIQUE (funder_id, gs1_offer_code)
    );
    CREATE INDEX offer_active_idx ON offer (funder_id) WHERE active;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS offer;
    DROP TABLE IF EXISTS funder;
  `.execute(db)
}
