import { describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { createDb } from '../../src/db/database.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createTestDb, testLog } from '../helpers/db.ts'

const tdb = await createTestDb()
const app = await buildTestApp(tdb)

describe('health and request ids', () => {
  it('reports live and ready, and echoes a plain x-request-id', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' })
    const ready = await app.inject({ url: '/readyz', headers: { 'x-request-id': 'lane-7.abc' } })
    expect(ready.statusCode).toBe(200)
    expect(ready.headers['x-request-id']).toBe('lane-7.abc')
  })

  it('replaces an unsafe inbound request id with its own', async () => {
    const res = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id\nwith newline' } })
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('is not ready (503, Retry-After) when the database is unreachable', async () => {
    const dead = createDb('postgres://postgres:x@127.0.0.1:1/none', testLog, { poolSize: 1 })
    const deadApp = await buildApp({ db: dead.db, log: testLog })
    const res = await deadApp.inject('/readyz')
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('5')
    await deadApp.close()
    await dead.db.destroy()
  })

  it('answers unknown routes with a problem+json 404', async () => {
    const res = await app.inject('/v1/nope')
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
    expect(res.json()).toMatchObject({ status: 404, code: 'NOT_FOUND' })
  })
})
