import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Config } from '../../config.ts'

/**
 * The secret keying the code checks: PANTRY_CODE_SECRET, else one generated once and kept in
 * PANTRY_DATA_DIR/code-secret (mode 0600), so a single-machine install needs no setup. Everything
 * that prints or checks codes must use the same secret: several servers need PANTRY_CODE_SECRET.
 */
export async function resolveCodeSecret(config: Pick<Config, 'codeSecret' | 'dataDir'>): Promise<string> {
  if (config.codeSecret) return config.codeSecret
  const file = path.join(config.dataDir, 'code-secret')
  const existing = await readSecret(file)
  if (existing) return existing
  await mkdir(config.dataDir, { recursive: true })
  const secret = randomBytes(32).toString('base64url')
  try {
    // 'wx': two processes starting together agree on whichever secret was written first.
    await writeFile(file, `${secret}\n`, { flag: 'wx', mode: 0o600 })
    return secret
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    const other = await readSecret(file)
    if (!other) throw new Error(`${file} is empty`)
    return other
  }
}

async function readSecret(file: string): Promise<string | null> {
  try {
    const s = (await readFile(file, 'utf8')).trim()
    return s === '' ? null : s
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}
