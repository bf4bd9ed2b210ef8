import { inject } from 'vitest'
import { describe, expect, it } from 'vitest'
import { withDatabase } from '../global-setup.ts'
import { authenticate } from '../../src/modules/auth/api-keys.service.ts'
import { createTestDb } from '../helpers/db.ts'
import { runCli } from '../helpers/cli.ts'

const tdb = await createTestDb()
const env = { DATABASE_URL: withDatabase(inject('adminUrl'), tdb.name) }

describe('pantry keys', () => {
  it('create prints the new key alone on stdout; only its hash is stored', async () => {
    const r = await runCli(['keys', 'create', '--role', 'pos', '--store', 'S1', '--store', 'S2'], env)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^pantry_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/)
    const key = r.stdout.trim()
    const row = await tdb.db.selectFrom('api_key').selectAll().executeTakeFirstOrThrow()
    expect(row.store_ids).toEqual(['S1', 'S2'])
    expect(JSON.stringify(row)).not.toContain(key.split('_')[2])
    expect(await authenticate(tdb.ctx, key)).toMatchObject({ role: 'pos', storeIds: ['S1', 'S2'] })
  })

  it('refuses a pos key without a store, and an unknown role, with a non-zero exit', async () => {
    const noStore = await runCli(['keys', 'create', '--role', 'pos'], env)
    expect(noStore.code).not.toBe(0)
    expect(noStore.stdout).toBe('')
    expect(noStore.stderr).toMatch(/store/)
    const badRole = await runCli(['keys', 'create', '--role', 'boss'], env)
    expect(badRole.code).not.toBe(0)
    expect(badRole.stderr).toMatch(/boss/)
  })

  it('revoke makes a key unusable', async () => {
    const key = (await runCli(['keys', 'create', '--role', 'analyst'], env)).stdout.trim()
    const keyId = key.split('_')[1]!
    expect((await runCli(['keys', 'revoke', keyId], env)).code).toBe(0)
    const row = await tdb.db.selectFrom('api_key').select('revoked_at').where('key_id', '=', keyId).executeTakeFirstOrThrow()
    expect(row.revoked_at).not.toBeNull()
  })
})
