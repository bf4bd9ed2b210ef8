import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { RouteDeps } from '../../app.ts'
import { requireRole } from '../../plugins/auth.ts'
import { batchResponseSchema, singleResponseSchema } from './transactions.schemas.ts'
import { redeemStoredBaskets } from '../redemptions/basket-redemption.ts'
import type { RedemptionResult } from '../redemptions/redemptions.schemas.ts'
import { IngestQueue } from './ingest-queue.ts'
import { postTransactions } from './transactions.handler.ts'

/**
 * POST /v1/transactions — one basket (an object) or a batch (an array, or {transactions: [...]}) of
 * up to 500. Single: 201, or 400/409 problem+json. Batch: 200 when every basket was accepted, 207
 * when some were rejected; each result says which and why, by index.
 */
export const transactionRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  app.addHook('onRequest', requireRole(deps.db, 'pos'))
  const queueCtx = { db: deps.db, log: app.log, now: deps.now }
  // Baskets posted one at a time are stored in groups; their returns and codes are settled per group.
  const queue = new IngestQueue<RedemptionResult>(queueCtx, (baskets) => redeemStoredBaskets(queueCtx, deps.redemption, baskets))
  app.post(
    '/',
    {
      schema: {
        body: z.unknown(),
        response: { 200: batchResponseSchema, 201: singleResponseSchema, 207: batchResponseSchema },
      },
    },
    async (request, reply) => {
      const ctx = { db: deps.db, log: request.log, now: deps.now }
      const { status, body } = await postTransactions(ctx, queue, request.principal!, request.body, deps.redemption)
      return reply.status(status).send(body)
    },
  )
}
