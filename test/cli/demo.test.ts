import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { adminQuery, withDatabase } from '../global-setup.ts'
import { runCli } from '../helpers/cli.ts'

// `npm run demo` in small: a whole chain from nothing, through the API, to PDFs and redemptions.
// With DATABASE_URL the demo works in its own database, pantry_demo, dropped and created afresh.

const dir = mkdtempSync(path.join(tmpdir(), 'pantry-demo-test-'))
const adminUrl = inject('adminUrl')
afterAll(async () => {
  await adminQuery(adminUrl, 'DROP DATABASE IF EXISTS pantry_demo WITH (FORCE)')
  rmSync(dir, { recursive: true, force: true })
})

describe('pantry demo', () => {
  it('runs from scratch and reports the files to open', async () => {
    const env = { DATABASE_URL: withDatabase(adminUrl, 'postgres'), PANTRY_DATA_DIR: path.join(dir, 'state') }
    const out = path.join(dir, 'out')
    const r = await runCli(['demo', '--households', '80', '--days', '120', '--out', out, '--threads', '1'], env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/1\/5 Generating 80 households/)
    expect(r.stdout).toMatch(/recent baskets posted through POST \/v1\/transactions/)
    const lists = Number(/(\d+) lists, (\d+) offers/.exec(r.stdout)?.[1])
    expect(lists).toBeGreaterThan(0)
    expect(r.stdout).toMatch(/checkout  \d+ offers redeemed|redemption API not in this build/)
    const cycleDir = readdirSync(out)[0]!
    expect(cycleDir).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(existsSync(path.join(out, cycleDir, 'manifest.csv'))).toBe(true)
    expect(readdirSync(path.join(out, cycleDir, 'stores')).length).toBeGreaterThan(0)
    expect(r.stdout).toContain(path.join(cycleDir, 'manifest.csv'))
  })
})
