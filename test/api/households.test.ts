import { sql } from 'kysely'
import { beforeEach, describe, expect, it } from 'vitest'
import { authHeader, buildTestApp } from '../helpers/app.ts'
import { createTestDb } from '../helpers/db.ts'

let clock = new Date('2026-03-01T10:00:00Z')
const tdb = await createTestDb({ now: () => clock })
const app = await buildTestApp(tdb, { now: () => clock })

let admin: { authorization: string }
beforeEach(async () => {
  await tdb.truncate()
  clock = new Date('2026-03-01T10:00:00Z')
  admin = await authHeader(tdb, 'admin')
})

const smith = { householdId: 'H-1', name: 'Smith', email: 'smith@example.com', postalCode: '10115', optedIn: false, cards: ['4001', '4002'] }
const jones = { householdId: 'H-2', name: 'Jones', optedIn: true, cards: ['4003'] }

const put = (body: unknown, headers = admin) => app.inject({ method: 'PUT', url: '/v1/households', headers, payload: body as object })
const get = (id: string, headers = admin) => app.inject({ method: 'GET', url: `/v1/households/${encodeURIComponent(id)}`, headers })

function expectProblem(res: { statusCode: number; headers: Record<string, unknown> }, status: number) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/)
}

/** A household enrolled at a lane for an unknown card, with one basket of two lines, as ingestion leaves it. */
async function laneEnrolled(card: string, posTxnId: string, at = '2026-02-10T15:30:00Z') {
  const h = await sql<{ id: number }>`
    INSERT INTO household (external_id, enrolled_via) VALUES (${`card-${card}`}, 'pos')
    ON CONFLICT (external_id) DO UPDATE SET enrolled_via = 'pos' RETURNING id`.execute(tdb.db)
  const householdId = h.rows[0]!.id
  await sql`INSERT INTO loyalty_card (card_number, household_id) VALUES (${card}, ${householdId}) ON CONFLICT DO NOTHING`.execute(tdb.db)
  await basket(card, householdId, posTxnId, at)
  return householdId
}

async function basket(card: string, householdId: number, posTxnId: string, at: string) {
  await sql`INSERT INTO store (id) VALUES ('s1') ON CONFLICT DO NOTHING`.execute(tdb.db)
  await sql`SELECT pantry_ensure_line_partition(${at}::timestamptz)`.execute(tdb.db)
  const t = await sql<{ id: number }>`
    INSERT INTO pos_transaction (store_id, pos_transaction_id, card_number, household_id, occurred_at, line_count, total_cents, content_hash, source)
    VALUES ('s1', ${posTxnId}, ${card}, ${householdId}, ${at}, 2, 500, 'h', 'api') RETURNING id`.execute(tdb.db)
  await sql`
    INSERT INTO transaction_line (household_id, occurred_at, transaction_id, line_no, sku, quantity, unit_price_cents)
    VALUES (${householdId}, ${at}, ${t.rows[0]!.id}, 1, '1001', 1, 200), (${householdId}, ${at}, ${t.rows[0]!.id}, 2, '1002', 2, 150)`.execute(tdb.db)
}

async function historyOf(posTxnIds: string[]) {
  const r = await sql<{ txn: string; household: number; lines: number[] }>`
    SELECT t.pos_transaction_id AS txn, t.household_id AS household,
           ARRAY(SELECT l.household_id::int4 FROM transaction_line l WHERE l.transaction_id = t.id ORDER BY l.line_no) AS lines
    FROM pos_transaction t WHERE t.pos_transaction_id = ANY(${posTxnIds}) ORDER BY 1`.execute(tdb.db)
  return r.rows
}

async function waitUntilSomeoneWaitsForALock() {
  for (let i = 0; i < 200; i++) {
    const r = await sql<{ n: number }>`SELECT count(*)::int4 AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(tdb.db)
    if (r.rows[0]!.n > 0) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('the PUT never waited for the lane')
}

async function internalId(externalId: string): Promise<number | undefined> {
  const r = await sql<{ id: number }>`SELECT id FROM household WHERE external_id = ${externalId}`.execute(tdb.db)
  return r.rows[0]?.id
}

describe('PUT /v1/households', () => {
  it('creates households with their cards, and a replay changes nothing', async () => {
    expect((await put({ households: [smith, jones] })).json()).toEqual({ created: 2, updated: 0, unchanged: 0, cardsMoved: 0 })
    const got = (await get('H-1')).json()
    expect(got).toEqual({
      householdId: 'H-1', name: 'Smith', email: 'smith@example.com', postalCode: '10115', optedIn: false,
      consentChangedAt: null, enrolledVia: 'api', cards: ['4001', '4002'], transactions: 0, lastVisit: null,
    })
    expect((await get('H-2')).json()).toMatchObject({ email: null, optedIn: true, consentChangedAt: clock.toISOString() })
    clock = new Date('2026-03-05T10:00:00Z')
    expect((await put([smith, jones])).json()).toEqual({ created: 0, updated: 0, unchanged: 2, cardsMoved: 0 })
    expect((await get('H-2')).json().consentChangedAt).toBe('2026-03-01T10:00:00.000Z')
  })

  it('stamps consent_changed_at when, and only when, opted_in changes', async () => {
    await put([smith])
    clock = new Date('2026-03-05T08:00:00Z')
    expect((await put([{ ...smith, optedIn: true }])).json()).toMatchObject({ updated: 1 })
    expect((await get('H-1')).json()).toMatchObject({ optedIn: true, consentChangedAt: '2026-03-05T08:00:00.000Z' })
    clock = new Date('2026-03-09T08:00:00Z')
    expect((await put([{ ...smith, optedIn: true, name: 'Smith-Lee' }])).json()).toMatchObject({ updated: 1 })
    expect((await get('H-1')).json()).toMatchObject({ name: 'Smith-Lee', consentChangedAt: '2026-03-05T08:00:00.000Z' })
    clock = new Date('2026-03-12T08:00:00Z')
    await put([{ ...smith, optedIn: false, name: 'Smith-Lee' }])
    expect((await get('H-1')).json()).toMatchObject({ optedIn: false, consentChangedAt: '2026-03-12T08:00:00.000Z' })
  })

  it('moves a lane-enrolled card and its history to the chain household, then drops the empty lane household', async () => {
    const laneId = await laneEnrolled('4002', 'T1')
    await basket('4002', laneId, 'T2', '2026-01-20T09:00:00Z')
    const res = await put([smith])
    expect(res.json()).toEqual({ created: 1, updated: 0, unchanged: 0, cardsMoved: 1 })
    const smithId = (await internalId('H-1'))!
    expect(await historyOf(['T1', 'T2'])).toEqual([
      { txn: 'T1', household: smithId, lines: [smithId, smithId] },
      { txn: 'T2', household: smithId, lines: [smithId, smithId] },
    ])
    expect(await internalId('card-4002')).toBeUndefined()
    expect((await get('H-1')).json()).toMatchObject({ cards: ['4001', '4002'], transactions: 2, lastVisit: '2026-02-10T15:30:00.000Z' })
    expect((await put([smith])).json()).toEqual({ created: 0, updated: 0, unchanged: 1, cardsMoved: 0 })
  })

  it('moves one card between chain households, only that card’s baskets follow, the old household stays', async () => {
    await put([smith])
    const smithId = (await internalId('H-1'))!
    await basket('4001', smithId, 'T1', '2026-02-01T10:00:00Z')
    await basket('4002', smithId, 'T2', '2026-02-02T10:00:00Z')
    const res = await put([{ ...jones, cards: ['4003', '4002'] }])
    expect(res.json()).toEqual({ created: 1, updated: 0, unchanged: 0, cardsMoved: 1 })
    const jonesId = (await internalId('H-2'))!
    expect(await historyOf(['T1', 'T2'])).toEqual([
      { txn: 'T1', household: smithId, lines: [smithId, smithId] },
      { txn: 'T2', household: jonesId, lines: [jonesId, jonesId] },
    ])
    expect((await get('H-1')).json()).toMatchObject({ cards: ['4001'], transactions: 1 })
    expect((await get('H-2')).json()).toMatchObject({ cards: ['4002', '4003'], transactions: 1 })
  })

  it('settles a race with a lane enrolling the same card at the same moment', async () => {
    await sql`INSERT INTO store (id) VALUES ('s1')`.execute(tdb.db)
    await sql`SELECT pantry_ensure_line_partition('2026-02-10T15:30:00Z')`.execute(tdb.db)
    const lane = await tdb.pool.connect()
    try {
      // The lane's enrollment is still uncommitted when the PUT takes its card locks, so the PUT cannot
      // see the card then; its insert of the card waits for the lane, and must still carry the history.
      await lane.query('BEGIN')
      const h = await lane.query<{ id: string }>(`INSERT INTO household (external_id, enrolled_via) VALUES ('card-4002', 'pos') RETURNING id`)
      const laneId = Number(h.rows[0]!.id)
      await lane.query('INSERT INTO loyalty_card (card_number, household_id) VALUES ($1, $2)', ['4002', laneId])
      const t = await lane.query<{ id: string }>(
        `INSERT INTO pos_transaction (store_id, pos_transaction_id, card_number, household_id, occurred_at, line_count, total_cents, content_hash, source)
         VALUES ('s1', 'T9', '4002', $1, '2026-02-10T15:30:00Z', 1, 100, 'h', 'api') RETURNING id`,
        [laneId],
      )
      await lane.query(
        `INSERT INTO transaction_line (household_id, occurred_at, transaction_id, line_no, sku, quantity, unit_price_cents)
         VALUES ($1, '2026-02-10T15:30:00Z', $2, 1, '1001', 1, 100)`,
        [laneId, t.rows[0]!.id],
      )
      const pending = put([smith])
      await waitUntilSomeoneWaitsForALock()
      await lane.query('COMMIT')
      expect((await pending).json()).toEqual({ created: 1, updated: 0, unchanged: 0, cardsMoved: 1 })
    } finally {
      lane.release()
    }
    const smithId = (await internalId('H-1'))!
    expect(await historyOf(['T9'])).toEqual([{ txn: 'T9', household: smithId, lines: [smithId] }])
    expect(await internalId('card-4002')).toBeUndefined()
  })

  it('counts a household whose only change is a new card as updated', async () => {
    await put([smith])
    expect((await put([{ ...smith, cards: ['4001', '4002', '4009'] }])).json()).toEqual({ created: 0, updated: 1, unchanged: 0, cardsMoved: 0 })
  })

  it('rejects invalid households with problem+json naming the field, and writes nothing', async () => {
    const { optedIn: _, ...noConsent } = jones
    const res = await put({ households: [smith, noConsent, { ...jones, householdId: 'H-3', email: 'not-an-email', cards: ['4005'] }] })
    expectProblem(res, 400)
    expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(['households[1].optedIn', 'households[2].email'])
    expectProblem(await get('H-1'), 404)
  })

  it('refuses a card or a household listed twice in one request', async () => {
    const res = await put([smith, { ...jones, cards: ['4003', '4001'] }, { ...smith, cards: [] }])
    expectProblem(res, 400)
    expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(['households[1].cards[1]', 'households[2].householdId'])
  })

  it('requires an admin key to write and an analyst key to read', async () => {
    expectProblem(await app.inject({ method: 'PUT', url: '/v1/households', payload: [smith] }), 401)
    expectProblem(await put([smith], await authHeader(tdb, 'pos', ['s1'])), 403)
    expectProblem(await put([smith], await authHeader(tdb, 'analyst')), 403)
    await put([smith])
    expectProblem(await get('H-1', await authHeader(tdb, 'cashier', ['s1'])), 403)
    expect((await get('H-1', await authHeader(tdb, 'analyst'))).statusCode).toBe(200)
    expectProblem(await get('H-404'), 404)
  })
})
