import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { withAdvisoryLock } from '../../src/db/advisory-lock.ts'
import { putOffersBody } from '../../src/modules/offers/offers.schemas.ts'
import { putOffers } from '../../src/modules/offers/offers.service.ts'
import { seedDatabase } from '../../src/modules/seed/seed.service.ts'
import { withDatabase } from '../global-setup.ts'
import { runCli } from '../helpers/cli.ts'
import { createTestDb } from '../helpers/db.ts'

// `pantry cycle run`, `pantry lists export` and `pantry stats` as a user runs them.

const tdb = await createTestDb()
const dir = mkdtempSync(path.join(tmpdir(), 'pantry-cycle-cli-'))
const env = { DATABASE_URL: withDatabase(inject('adminUrl'), tdb.name), PANTRY_CODE_SECRET: 'cli-test-secret-0123456789', PANTRY_DATA_DIR: dir }
afterAll(() => rmSync(dir, { recursive: true, force: true }))

beforeAll(async () => {
  await seedDatabase(tdb.ctx, { households: 60, days: 150, seed: 3, end: '2026-11-21', stores: 2 })
  await putOffers(
    tdb.ctx,
    putOffersBody.parse({
      funders: [{ id: 'store', type: 'store', name: 'Northwoods Market' }],
      offers: [{ id: 'ST-MILK', funderId: 'store', title: '$0.30 off milk', target: { subcategory: 'FLUID MILK PRODUCTS' }, reward: { kind: 'amount_off', amountCents: 30 } }],
    }),
  )
}, 120_000)

describe('pantry cycle run / lists export / stats', () => {
  it('runs a cycle, prints one summary line, and writes PDFs, print files and manifest', async () => {
    const before = JSON.parse((await runCli(['stats', '--json'], env)).stdout)
    expect(before).toMatchObject({ lists: 0, lastCycle: null })
    const r = await runCli(['cycle', 'run', '--date', '2026-11-23', '--out', path.join(dir, 'out'), '--threads', '0'], env)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^cycle 2026-11-23\.\.2026-12-06: qualified \d+, control \d+, lists (\d+) \(new \1\),.* → .*out\n$/)
    expect(existsSync(path.join(dir, 'out', 'manifest.csv'))).toBe(true)
    const stats = JSON.parse((await runCli(['stats', '--json'], env)).stdout)
    expect(stats.lastCycle).toBe('2026-11-23')
    expect(stats.lists).toBeGreaterThan(0)
    expect(stats).toHaveProperty('households')
  })

  it('exports one NDJSON line per issued list', async () => {
    const r = await runCli(['lists', 'export', '--cycle', '2026-11-23', '--format', 'ndjson'], env)
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
    const count = await tdb.db.selectFrom('issued_list').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(lines).toHaveLength(Number(count.n))
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(['listCode', 'cardNumber', 'householdId', 'storeId', 'items', 'offers'])
      expect(l.items.length).toBeGreaterThanOrEqual(10)
      expect(l.items[0]).toMatchObject({ sku: expect.any(String), name: expect.any(String), aisle: expect.any(String), reason: expect.any(String) })
      for (const o of l.offers) {
        expect(Object.keys(o)).toEqual(['code', 'sku', 'offerId', 'valueCents', 'minQuantity', 'expiresOn'])
        expect(l.items.find((i: { sku: string }) => i.sku === o.sku).offerCode).toBe(o.code)
      }
    }
    expect(lines.some((l) => l.offers.length > 0)).toBe(true)
    const missing = await runCli(['lists', 'export', '--cycle', '2027-01-04'], env)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/no cycle starts on 2027-01-04/)
  })

  it('exits non-zero with a clear message while another run holds the cycle', async () => {
    await withAdvisoryLock(tdb.db, 'cycle:2026-11-23', async () => {
      const r = await runCli(['cycle', 'run', '--date', '2026-11-23', '--out', path.join(dir, 'out')], env)
      expect(r.code).toBe(3)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(/already being run by another process/)
    })
  })

  it('refuses a malformed date', async () => {
    const r = await runCli(['cycle', 'run', '--date', '2026-02-30'], env)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--date/)
  })
})
