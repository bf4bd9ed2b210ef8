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

const milk = { sku: '1001', name: 'Whole milk 1 l', brand: 'Dairyland', brandType: 'national', category: 'Dairy', size: '1 l', priceCents: 129 }
const bread = { sku: '1002', name: 'Rye bread', brandType: 'store', priceCents: 249, active: false }

const put = (body: unknown, headers = admin) => app.inject({ method: 'PUT', url: '/v1/products', headers, payload: body as object })
const get = (sku: string, headers = admin) => app.inject({ method: 'GET', url: `/v1/products/${encodeURIComponent(sku)}`, headers })

function expectProblem(res: { statusCode: number; headers: Record<string, unknown> }, status: number) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/)
}

describe('PUT /v1/products', () => {
  it('creates products and returns them as camelCase JSON', async () => {
    const res = await put({ products: [milk, bread] })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ created: 2, updated: 0, unchanged: 0 })
    const got = (await get('1001')).json()
    expect(got).toMatchObject({ ...milk, subcategory: null, active: true, placeholder: false })
    expect(got.updatedAt).toBe(clock.toISOString())
    expect((await get('1002')).json()).toMatchObject({ brand: null, brandType: 'store', active: false, priceCents: 249 })
  })

  it('is idempotent: the same PUT again changes nothing, not even updated_at', async () => {
    await put({ products: [milk, bread] })
    clock = new Date('2026-03-02T10:00:00Z')
    const again = await put({ products: [milk, bread] })
    expect(again.json()).toEqual({ created: 0, updated: 0, unchanged: 2 })
    expect((await get('1001')).json().updatedAt).toBe('2026-03-01T10:00:00.000Z')
  })

  it('replaces changed products and accepts a bare array', async () => {
    await put([milk, bread])
    clock = new Date('2026-03-02T10:00:00Z')
    const res = await put([{ ...milk, priceCents: 135, brand: undefined }, bread, { sku: '1003', name: 'Butter' }])
    expect(res.json()).toEqual({ created: 1, updated: 1, unchanged: 1 })
    const got = (await get('1001')).json()
    expect(got).toMatchObject({ priceCents: 135, brand: null, updatedAt: clock.toISOString(), createdAt: '2026-03-01T10:00:00.000Z' })
  })

  it('clears the placeholder flag of a product that ingestion created', async () => {
    await sql`INSERT INTO product (sku, name, placeholder) VALUES ('1001', '(unknown 1001)', true)`.execute(tdb.db)
    expect((await get('1001')).json().placeholder).toBe(true)
    expect((await put({ products: [milk] })).json()).toEqual({ created: 0, updated: 1, unchanged: 0 })
    expect((await get('1001')).json()).toMatchObject({ name: milk.name, placeholder: false })
  })

  it('upserts 5,000 products in one request', async () => {
    const many = Array.from({ length: 5_000 }, (_, i) => ({ sku: `S${String(i).padStart(5, '0')}`, name: `Product ${i}`, priceCents: i }))
    expect((await put({ products: many })).json()).toEqual({ created: 5_000, updated: 0, unchanged: 0 })
    expect((await put({ products: many })).json()).toEqual({ created: 0, updated: 0, unchanged: 5_000 })
  })

  it('rejects invalid products with problem+json naming the field, and writes nothing', async () => {
    const res = await put({ products: [milk, bread, { sku: '1003', name: 'Eggs' }, { sku: '1004', name: 'Jam', priceCents: -5 }] })
    expectProblem(res, 400)
    const body = res.json()
    expect(body.code).toBe('VALIDATION_FAILED')
    expect(body.errors.map((e: { field: string }) => e.field)).toEqual(['products[3].priceCents'])
    expect(body.detail).toMatch(/^products\[3\]\.priceCents: /)
    expect((await get('1001')).statusCode).toBe(404)
  })

  it('names every bad field: enum, missing name, fractional cents', async () => {
    const res = await put([{ sku: 'a', name: 'A', brandType: 'generic' }, { sku: 'b' }, { sku: 'c', name: 'C', priceCents: 1.5 }])
    expectProblem(res, 400)
    const fields = res.json().errors.map((e: { field: string }) => e.field)
    expect(fields).toEqual(['products[0].brandType', 'products[1].name', 'products[2].priceCents'])
  })

  it('refuses a SKU listed twice in one request', async () => {
    const res = await put([milk, bread, { ...milk, name: 'Milk again' }])
    expectProblem(res, 400)
    expect(res.json().errors).toEqual([{ field: 'products[2].sku', message: 'duplicate of products[0].sku' }])
  })

  it('refuses more than 5,000 products', async () => {
    const many = Array.from({ length: 5_001 }, (_, i) => ({ sku: `S${i}`, name: 'x' }))
    const res = await put({ products: many })
    expectProblem(res, 400)
    expect(res.json().errors[0].field).toBe('products')
  })

  it('requires an admin key', async () => {
    const anonymous = await app.inject({ method: 'PUT', url: '/v1/products', payload: { products: [milk] } })
    expectProblem(anonymous, 401)
    const pos = await put({ products: [milk] }, await authHeader(tdb, 'pos', ['s1']))
    expectProblem(pos, 403)
    expect((await get('1001')).statusCode).toBe(404)
  })
})

describe('GET /v1/products', () => {
  it('lets every role look a product up, and says 404 for an unknown SKU', async () => {
    await put({ products: [milk] })
    for (const role of ['pos', 'cashier', 'analyst'] as const) {
      const res = await get('1001', await authHeader(tdb, role, ['s1']))
      expect(res.statusCode).toBe(200)
      expect(res.json().sku).toBe('1001')
    }
    expectProblem(await get('nope'), 404)
    expectProblem(await app.inject({ method: 'GET', url: '/v1/products/1001' }), 401)
  })

  it('lists placeholders page by page for the catalog team', async () => {
    await put({ products: [milk] })
    await sql`INSERT INTO product (sku, name, placeholder) SELECT 'P' || g, 'unknown', true FROM generate_series(1, 5) g`.execute(tdb.db)
    const analyst = await authHeader(tdb, 'analyst')
    const seen: string[] = []
    let after: string | null = null
    for (let page = 0; page < 5 && (page === 0 || after); page++) {
      const url: string = `/v1/products?placeholder=true&limit=2${after ? `&after=${after}` : ''}`
      const res = await app.inject({ method: 'GET', url, headers: analyst })
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(body.items.every((p: { placeholder: boolean }) => p.placeholder)).toBe(true)
      seen.push(...body.items.map((p: { sku: string }) => p.sku))
      after = body.next
    }
    expect(seen).toEqual(['P1', 'P2', 'P3', 'P4', 'P5'])
    expectProblem(await app.inject({ method: 'GET', url: '/v1/products?placeholder=true', headers: await authHeader(tdb, 'pos', ['s1']) }), 403)
    expectProblem(await app.inject({ method: 'GET', url: '/v1/products?limit=0', headers: analyst }), 400)
  })
})
