import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { Kysely } from 'kysely'
import type { DB } from './db/schema.ts'
import type { Logger } from './logger.ts'
import { catalogRoutes } from './modules/catalog/catalog.routes.ts'
import { householdRoutes } from './modules/households/households.routes.ts'
import { offerRoutes } from './modules/offers/offers.routes.ts'
import type { ModelSettings } from './modules/predictions/predictions.service.ts'
import { redemptionRoutes } from './modules/redemptions/redemptions.routes.ts'
import type { RedemptionSettings } from './modules/redemptions/redemptions.service.ts'
import { profileRoutes } from './modules/segments/profile.routes.ts'
import type { SegmentParams } from './modules/segments/segments.model.ts'
import { transactionRoutes } from './modules/transactions/transactions.routes.ts'
import { errorHandler } from './plugins/error-handler.ts'
import { healthRoutes } from './plugins/health.ts'

export interface AppDeps {
  readonly db: Kysely<DB>
  readonly log: Logger
  readonly bodyLimit?: number
  /** Injected clock: everything dated (issue dates, expiry checks) goes through it. */
  readonly now?: () => Date
  /** Loyalty/segment thresholds: segmentParams(config); default: the documented defaults. */
  readonly segments?: SegmentParams
  /** The list model's settings for profile predictions: listModelSettings(config); default: the documented ones. */
  readonly predictions?: ModelSettings
  /** Fit profiles' population (today's) at start and at each UTC day change, in the background: `pantry serve` sets it. */
  readonly warmProfiles?: boolean
  /** Code secret and store time zone for checkout redemption; without them /v1/redemptions answers 503. */
  readonly redemption?: RedemptionSettings
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/

/** Builds the Fastify app without listening: the server listens, tests use inject(). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 4 * 1024 * 1024,
    // Accept a caller's request id only if it is short and plain; echo it back.
    genReqId: (req) => {
      const inbound = req.headers['x-request-id']
      return typeof inbound === 'string' && REQUEST_ID.test(inbound) ? inbound : randomUUID()
    },
    requestIdHeader: false,
    connectionTimeout: 30_000,
    requestTimeout: 60_000,
    keepAliveTimeout: 72_000,
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.decorateRequest('principal', null)
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  const services = { db: deps.db, now: deps.now ?? (() => new Date()), redemption: deps.redemption }
  await app.register(errorHandler)
  await app.register(healthRoutes, services)
  await app.register(transactionRoutes, { ...services, prefix: '/v1/transactions' })
  await app.register(catalogRoutes, { ...services, prefix: '/v1/products' })
  await app.register(householdRoutes, { ...services, prefix: '/v1/households' })
  await app.register(offerRoutes, { ...services, prefix: '/v1/offers' })
  await app.register(profileRoutes, { ...services, segments: deps.segments, predictions: deps.predictions, warmProfiles: deps.warmProfiles, prefix: '/v1/households' })
  await app.register(redemptionRoutes, { ...services, prefix: '/v1/redemptions' })
  return app
}

export interface RouteDeps {
  readonly db: Kysely<DB>
  readonly now: () => Date
  readonly redemption?: RedemptionSettings
}
