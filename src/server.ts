import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import type { CliRuntime } from './cli/runtime.ts'
import { resolveCodeSecret } from './modules/codes/code-secret.ts'
import { listModelSettings } from './modules/predictions/household-scorer.ts'
import { segmentParams } from './modules/segments/segments.model.ts'

/**
 * Listens until SIGINT/SIGTERM, then stops accepting connections, lets in-flight requests finish
 * (up to 10 s), closes the pool and, when this process owns it, the embedded database.
 */
export async function serve(rt: CliRuntime): Promise<void> {
  const redemption = { codeSecret: await resolveCodeSecret(rt.config), timeZone: rt.config.storeTimeZone }
  const app = await buildApp({ db: rt.conn.db, log: rt.log, bodyLimit: rt.config.http.bodyLimit, segments: segmentParams(rt.config), predictions: listModelSettings(rt.config), redemption, warmProfiles: rt.config.http.warmProfiles })
  let stopped!: () => void
  const done = new Promise<void>((resolve) => (stopped = resolve))
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) rt.log.error({ err }, 'shutting down after an error')
    else rt.log.info({ signal }, 'shutting down')
    await app.close()
    stopped()
  })
  await app.listen({ port: rt.config.http.port, host: rt.config.http.host })
  await done
}
