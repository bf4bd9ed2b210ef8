import { type Kysely, sql } from 'kysely'

// A lane's online commit in one round trip (docs/redemption.md, "Concurrency"). The checkout path
// used to settle a redemption with BEGIN, claim, release, key, COMMIT: five round trips, each
// costing both processes a system call and a wake-up, most of a redemption's CPU. This function
// runs the same statements inside the server, as one statement: the key first (a retry racing the
// original waits here, then finds the key taken and writes nothing), then the claim, the release of
// what the offer's budget refused, and the answer, built from the claim's outcome and stored under
// the key. It is atomic like any statement. Frozen in time: never import from src/.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION redeem_settle(
      p_store text, p_tx text, p_lane text, p_household bigint, p_source text, p_hash text,
      p_at timestamptz, p_occurred_at timestamptz,
      -- the candidates, instance codes sorted (rows lock in one order) with their discounts
      p_codes text[], p_discounts int4[],
      -- the candidates in the order of the answer: [{ code, offerId, sku, discountCents, instanceCode }]
      p_applied jsonb,
      -- what was refused before any claim: [{ code, reason }]
      p_rejected jsonb
    ) RETURNS jsonb  -- the answer as stored; NULL when (p_store, p_tx) was taken (nothing written)
    LANGUAGE plpgsql
    -- Plan each statement once per connection. Left to choose, PostgreSQL re-plans the claim on
    -- every call (a custom plan for each array of codes looks cheaper than the generic one), and
    -- planning it costs several times more than running it; the generic plan probes by key.
    SET plan_cache_mode = force_generic_plan
    AS $fn$
    DECLARE
      v_ok text[];
      v_over text[];
      v_result jsonb;
    BEGIN
      INSERT INTO redemption (store_id, transaction_id, lane, household_id, source, request_hash, result, discount_cents, occurred_at, created_at)
      VALUES (p_store, p_tx, p_lane, p_household, p_source, p_hash, '{}', 0, p_occurred_at, p_at)
      ON CONFLICT (store_id, transaction_id) DO NOTHING;
      IF NOT FOUND THEN
        RETURN NULL;
      END IF;

      WITH cand AS (
        SELECT * FROM unnest(p_codes, p_discounts) AS c(code, discount)
      ), claimed AS (
        UPDATE offer_instance i
        SET redeemed_at = p_at, redeemed_store_id = p_store, redeemed_transaction_id = p_tx
        FROM cand c
        WHERE i.code = c.code AND i.redeemed_at IS NULL
        RETURNING i.code, i.offer_id, i.household_id, i.sku, c.discount
      ), wanted AS (
        SELECT offer_id, count(*)::int4 AS n, sum(discount)::int8 AS cents FROM claimed GROUP BY offer_id
      ), budget AS (
        -- the counter row is locked by the upsert and its WHERE judged on the latest committed counts
        INSERT INTO offer_budget AS b (offer_id, redeemed_count, redeemed_cents, budget_count, budget_cents)
        SELECT w.offer_id, w.n, w.cents, o.budget_count, o.budget_cents
        FROM wanted w LEFT JOIN LATERAL (SELECT budget_count, budget_cents FROM offer WHERE id = w.offer_id OFFSET 0) o ON true
        WHERE (o.budget_count IS NULL OR w.n <= o.budget_count) AND (o.budget_cents IS NULL OR w.cents <= o.budget_cents)
        ORDER BY w.offer_id
        ON CONFLICT (offer_id) DO UPDATE
          SET redeemed_count = b.redeemed_count + excluded.redeemed_count,
              redeemed_cents = b.redeemed_cents + excluded.redeemed_cents,
              budget_count = excluded.budget_count,
              budget_cents = excluded.budget_cents
          WHERE (excluded.budget_count IS NULL OR b.redeemed_count + excluded.redeemed_count <= excluded.budget_count)
            AND (excluded.budget_cents IS NULL OR b.redeemed_cents + excluded.redeemed_cents <= excluded.budget_cents)
        RETURNING b.offer_id
      ), lines AS (
        INSERT INTO redemption_line (store_id, transaction_id, code, household_id, offer_id, sku, discount_cents, lane, redeemed_at)
        SELECT p_store, p_tx, k.code, k.household_id, k.offer_id, k.sku, k.discount, p_lane, p_at
        FROM claimed k WHERE k.offer_id IN (SELECT offer_id FROM budget)
        RETURNING code
      )
      SELECT COALESCE(array_agg(k.code) FILTER (WHERE k.offer_id IN (SELECT offer_id FROM budget)), '{}'),
             COALESCE(array_agg(k.code) FILTER (WHERE k.offer_id NOT IN (SELECT offer_id FROM budget)), '{}')
      INTO v_ok, v_over
      FROM claimed k;

      -- claimed, but the offer's budget refused them: give them back
      IF cardinality(v_over) > 0 THEN
        UPDATE offer_instance SET redeemed_at = NULL, redeemed_store_id = NULL, redeemed_transaction_id = NULL
        WHERE code = ANY(v_over) AND redeemed_store_id = p_store AND redeemed_transaction_id = p_tx;
      END IF;

      -- the answer: what was won in the candidates' order; the refusals known before, then the
      -- candidates lost to the budget or to another lane
      SELECT jsonb_build_object(
        'redeemed', COALESCE(jsonb_agg(jsonb_build_object('code', a -> 'code', 'offerId', a -> 'offerId', 'sku', a -> 'sku',
                                                          'discountCents', a -> 'discountCents') ORDER BY ord)
                               FILTER (WHERE a ->> 'instanceCode' = ANY(v_ok)), '[]'),
        'rejected', p_rejected || COALESCE(jsonb_agg(jsonb_build_object('code', a -> 'code', 'reason',
                                                          CASE WHEN a ->> 'instanceCode' = ANY(v_over) THEN 'budget_exhausted' ELSE 'already_redeemed' END)
                                                     ORDER BY ord) FILTER (WHERE NOT (a ->> 'instanceCode' = ANY(v_ok))), '[]'),
        'totalDiscountCents', COALESCE(sum((a ->> 'discountCents')::int) FILTER (WHERE a ->> 'instanceCode' = ANY(v_ok)), 0))
      INTO v_result
      FROM jsonb_array_elements(p_applied) WITH ORDINALITY AS t(a, ord);

      UPDATE redemption SET result = v_result, discount_cents = (v_result ->> 'totalDiscountCents')::int
      WHERE store_id = p_store AND transaction_id = p_tx;
      RETURN v_result;
    END
    $fn$;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS redeem_settle(text, text, text, bigint, text, text, timestamptz, timestamptz, text[], int4[], jsonb, jsonb)`.execute(db)
}
