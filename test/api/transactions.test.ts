import { sql } from 'kysely'
import { beforeEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { createDb } from '../../src/db/database.ts'
import { authHeader, buildTestApp } from '../helpers/app.ts'
import { createTestDb, testLog } from '../helpers/db.ts'

const tdb = await createTestDb()
const app = await buildTestApp(tdb)

let pos: { authorization: string }

beforeEach(async () => {
  await tdb.truncate()
  pos = await authHeader(tdb, 'pos', ['S1', 'S2'])
})

function basket(id: string, over: Record<string, unknown> = {}) {
  return {
    id,
    storeId: 'S1',
    lane: '3',
    cardNumber: '4000123',
    occurredAt: '2026-03-14T17:23:05-05:00',
    items: [
      { sku: '1001', quantity: 1, unitPriceCents: 349 },
      { sku: '1002', quantity: 2, unitPriceCents: 199, discountCents: 50 },
    ],
    ...over,
  }
}

const post = (payload: unknown, headers: Record<string, string> = pos) =>
  app.inject({ method: 'POST', url: '/v1/transactions', headers, payload: payload as object })

async function count(table: 'pos_transaction' | 'transaction_line' | 'household' | 'product'): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(tdb.db)
  return r.rows[0]!.n
}

describe('POST /v1/transactions', () => {
  it('stores one basket with its lines and answers 201', async () => {
    const res = await post(basket('T1'))
    expect(res.statusCode).toBe(201)
    expect(res.json()).toEqual({ id: 'T1', storeId: 'S1', status: 'accepted', lines: 2 })
    const lines = await tdb.db.selectFrom('transaction_line').selectAll().orderBy('line_no').execute()
    expect(lines.map((l) => [l.sku, l.quantity, l.unit_price_cents, l.discount_cents])).toEqual([
      ['1001', 1, 349, 0],
      ['1002', 2, 199, 50],
    ])
    expect(lines[0]!.occurred_at.toISOString()).toBe('2026-03-14T22:23:05.000Z')
    const header = await tdb.db.selectFrom('pos_transaction').selectAll().executeTakeFirstOrThrow()
    expect(header.total_cents).toBe(349 + 2 * 199 - 50)
  })

  it('answers a replay exactly as the first post and writes nothing new', async () => {
    const first = await post(basket('T1'))
    const replay = await post(basket('T1', { occurredAt: '2026-03-14T22:23:05Z' }))
    expect(replay.statusCode).toBe(first.statusCode)
    expect(replay.json()).toEqual(first.json())
    expect(await count('pos_transaction')).toBe(1)
    expect(await count('transaction_line')).toBe(2)
  })

  it('keeps one basket when twenty identical posts race', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => post(basket('RACE'))))
    expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(201))
    expect(await count('pos_transaction')).toBe(1)
    expect(await count('transaction_line')).toBe(2)
    expect(await count('household')).toBe(1)
  })

  it('refuses the same id with other content as a conflict (409)', async () => {
    await post(basket('T1'))
    const res = await post(basket('T1', { items: [{ sku: '9', quantity: 1, unitPriceCents: 1 }] }))
    expect(res.statusCode).toBe(409)
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
    expect(await count('transaction_line')).toBe(2)
  })

  it('stores the good baskets of a batch and reports the bad one by index and field', async () => {
    const bad = basket('B2', { items: [{ sku: '1001', quantity: 'two', unitPriceCents: 349 }] })
    const res = await post({ transactions: [basket('B1'), bad, basket('B3', { storeId: 'S2' })] })
    expect(res.statusCode).toBe(207)
    const body = res.json()
    expect(body.accepted).toBe(2)
    expect(body.rejected).toBe(1)
    expect(body.results[1]).toMatchObject({ index: 1, id: 'B2', status: 'rejected' })
    expect(body.results[1].errors[0].field).toBe('transactions[1].items[0].quantity')
    expect(await count('pos_transaction')).toBe(2)
    expect(await count('transaction_line')).toBe(4)
    const replay = await post({ transactions: [basket('B1'), bad, basket('B3', { storeId: 'S2' })] })
    expect(replay.json()).toEqual(body)
    expect(await count('transaction_line')).toBe(4)
  })

  it('accepts a bare array as a batch and answers 200 when all are accepted', async () => {
    const res = await post([basket('A1'), basket('A2')])
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ accepted: 2, rejected: 0 })
  })

  it('creates a placeholder product for an unknown SKU and keeps the line', async () => {
    const res = await post(basket('U1', { items: [{ sku: 'NEW-77', quantity: 1, unitPriceCents: 99, description: 'Pumpkin spice oat milk' }] }))
    expect(res.statusCode).toBe(201)
    const p = await tdb.db.selectFrom('product').selectAll().where('sku', '=', 'NEW-77').executeTakeFirstOrThrow()
    expect(p).toMatchObject({ placeholder: true, name: 'Pumpkin spice oat milk' })
    expect(await count('transaction_line')).toBe(1)
  })

  it('stores a return as a negative quantity and reduces the basket total', async () => {
    await post(basket('R1', { items: [{ sku: '1001', quantity: -1, unitPriceCents: 349 }] }))
    const header = await tdb.db.selectFrom('pos_transaction').selectAll().executeTakeFirstOrThrow()
    expect(header.total_cents).toBe(-349)
    const line = await tdb.db.selectFrom('transaction_line').selectAll().executeTakeFirstOrThrow()
    expect(line.quantity).toBe(-1)
  })

  it('stores a basket without a card under no household, and enrols an unknown card', async () => {
    await post(basket('N1', { cardNumber: undefined }))
    await post(basket('C1', { cardNumber: '777' }))
    const rows = await tdb.db.selectFrom('pos_transaction').select(['pos_transaction_id', 'household_id']).orderBy('pos_transaction_id').execute()
    expect(rows[1]).toMatchObject({ pos_transaction_id: 'N1', household_id: 0 })
    const hh = await tdb.db.selectFrom('household').selectAll().where('id', '=', rows[0]!.household_id).executeTakeFirstOrThrow()
    expect(hh).toMatchObject({ external_id: 'card-777', enrolled_via: 'pos', opted_in: false })
  })

  it('stores a batch mixing known, unknown and no cards, each basket under its household', async () => {
    await post(basket('E1', { cardNumber: '555' }))
    const res = await post([basket('M1', { cardNumber: '555' }), basket('M2', { cardNumber: '556' }), basket('M3', { cardNumber: undefined })])
    expect(res.json()).toMatchObject({ accepted: 3, rejected: 0 })
    const rows = await sql<{ id: string; external_id: string | null; lines: number }>`
      SELECT t.pos_transaction_id AS id, h.external_id, (SELECT count(*)::int FROM transaction_line l WHERE l.transaction_id = t.id) AS lines
      FROM pos_transaction t LEFT JOIN household h ON h.id = t.household_id ORDER BY 1`.execute(tdb.db)
    expect(rows.rows).toEqual([
      { id: 'E1', external_id: 'card-555', lines: 2 },
      { id: 'M1', external_id: 'card-555', lines: 2 },
      { id: 'M2', external_id: 'card-556', lines: 2 },
      { id: 'M3', external_id: null, lines: 2 },
    ])
  })

  it('stores SKUs with tabs, newlines, quotes and backslashes verbatim', async () => {
    const skus = ['A\tB', 'C\\N', 'line\nbreak', 'cr\rx', 'épicerie «bio»', 'say "hi"', 'NULL', '{a,b}', '\\"']
    const res = await post(basket('ESC', { items: skus.map((sku) => ({ sku, quantity: 1.25, unitPriceCents: 100 })) }))
    expect(res.statusCode).toBe(201)
    const lines = await tdb.db.selectFrom('transaction_line').select(['sku', 'quantity', 'line_no']).orderBy('line_no').execute()
    expect(lines.map((l) => [l.line_no, l.sku, l.quantity])).toEqual(skus.map((sku, i) => [i + 1, sku, 1.25]))
  })

  it('stores each basket once when concurrent batches overlap, and opens a new month once', async () => {
    // Every batch carries a basket of a month no test has used yet, and shares baskets with the others.
    const month = '2025-02-10T12:00:00Z'
    const batches = Array.from({ length: 6 }, (_, k) => [basket(`O${k}`, { occurredAt: month }), basket(`SHARED${k % 2}`), basket('SHARED-ALL')])
    const results = await Promise.all(batches.map((b) => post(b)))
    expect(results.map((r) => r.statusCode)).toEqual(Array(6).fill(200))
    expect(await count('pos_transaction')).toBe(6 + 2 + 1)
    expect(await count('transaction_line')).toBe(2 * 9)
  })

  it('answers 400 problem+json for malformed JSON, naming the body', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/transactions', headers: { ...pos, 'content-type': 'application/json' }, payload: '{"id": "T1",' })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
    expect(res.json()).toMatchObject({ status: 400, code: 'MALFORMED_JSON' })
  })

  it('answers 400 naming the field for wrong types and a timestamp without offset', async () => {
    const res = await post(basket('W1', { items: [{ sku: '1', quantity: 1, unitPriceCents: 3.49 }] }))
    expect(res.statusCode).toBe(400)
    expect(res.json().errors[0].field).toBe('items[0].unitPriceCents')
    const noOffset = await post(basket('W2', { occurredAt: '2026-03-14T17:23:05' }))
    expect(noOffset.json().errors[0].field).toBe('occurredAt')
    expect(await count('pos_transaction')).toBe(0)
  })

  it('answers 413 for a body over the limit', async () => {
    const small = await buildTestApp(tdb, { bodyLimit: 2048 })
    const many = Array.from({ length: 60 }, (_, i) => ({ sku: `S${i}`, quantity: 1, unitPriceCents: 100 }))
    const res = await small.inject({ method: 'POST', url: '/v1/transactions', headers: pos, payload: basket('BIG', { items: many }) })
    expect(res.statusCode).toBe(413)
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
  })

  it('answers 400 for a batch over 500 baskets', async () => {
    const res = await post(Array.from({ length: 501 }, (_, i) => basket(`X${i}`)))
    expect(res.statusCode).toBe(400)
    expect(res.json().errors[0].field).toBe('transactions')
  })
})

describe('auth on POST /v1/transactions', () => {
  it('answers 401 without a key and with an unknown key', async () => {
    expect((await post(basket('T1'), {})).statusCode).toBe(401)
    const res = await post(basket('T1'), { authorization: 'Bearer pantry_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })
    expect(res.statusCode).toBe(401)
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
  })

  it('answers 403 when a pos key posts for a store it does not name, writing nothing', async () => {
    const s1only = await authHeader(tdb, 'pos', ['S1'])
    const res = await post([basket('T1'), basket('T2', { storeId: 'S9' })], s1only)
    expect(res.statusCode).toBe(403)
    expect(await count('pos_transaction')).toBe(0)
  })

  it('answers 403 for a role that may not post baskets', async () => {
    const analyst = await authHeader(tdb, 'analyst')
    expect((await post(basket('T1'), analyst)).statusCode).toBe(403)
  })
})

describe('database unavailable', () => {
  it('answers 503 with Retry-After', async () => {
    const key = await authHeader(tdb, 'pos', ['S1'])
    const dead = createDb('postgres://postgres:x@127.0.0.1:1/none', testLog, { poolSize: 1 })
    // Authenticate against the real DB, ingest against a dead one: the key cache makes this possible.
    await post(basket('warm'), key)
    const deadApp = await buildApp({ db: dead.db, log: testLog })
    const res = await deadApp.inject({ method: 'POST', url: '/v1/transactions', headers: key, payload: basket('T503') })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBeDefined()
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
    await deadApp.close()
    await dead.db.destroy()
  })
})
