import { type Command, Option } from 'commander'
import type { Role } from '../../db/schema.ts'
import { listApiKeys, revokeApiKey } from '../../modules/auth/api-keys.repository.ts'
import { createApiKey, ROLES } from '../../modules/auth/api-keys.service.ts'
import { CliError, withRuntime } from '../runtime.ts'

const collect = (value: string, previous: string[]) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)]

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('manage API keys')
  keys
    .command('create')
    .description('create an API key and print it alone on stdout (it is shown only once)')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
    .option('--store <id>', 'store the key may act for (repeatable or comma-separated; required for pos)', collect, [])
    .option('--label <text>', 'a note to recognise the key by')
    .action(async (opts: { role: Role; store: string[]; label?: string }) => {
      const key = await withRuntime('keys create', (rt) => createApiKey(rt.ctx, { role: opts.role, storeIds: opts.store, label: opts.label }))
      process.stdout.write(`${key}\n`)
    })
  keys
    .command('list')
    .description('list keys (ids, roles, stores; never the secrets)')
    .action(async () => {
      const rows = await withRuntime('keys list', (rt) => listApiKeys(rt.ctx.db))
      for (const r of rows) {
        process.stdout.write(`${r.key_id}\t${r.role}\t${r.store_ids.join(',') || '*'}\t${r.revoked_at ? 'revoked' : 'active'}\t${r.label ?? ''}\n`)
      }
    })
  keys
    .command('revoke <keyId>')
    .description('revoke a key by its id (the 16 hex characters after pantry_)')
    .action(async (keyId: string) => {
      const ok = await withRuntime('keys revoke', (rt) => revokeApiKey(rt.ctx.db, keyId, rt.ctx.now()))
      if (!ok) throw new CliError(`no active key ${keyId}`)
    })
}
