import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { RouteDeps } from '../../app.ts'
import { requireRole } from '../../plugins/auth.ts'
import { offerCounts, offerDto, offerParams, putOffersBody } from './offers.schemas.ts'
import { getOffer, putOffers } from './offers.service.ts'

/** /v1/offers: the chain's offers and their funders (bulk upsert by admins, lookups by analysts). */
export const offerRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, now }) => {
  app.put(
    '/',
    { onRequest: requireRole(db, 'admin'), schema: { body: putOffersBody, response: { 200: offerCounts } } },
    async (request) => putOffers({ db, log: request.log, now }, request.body),
  )

  app.get(
    '/:id',
    { onRequest: requireRole(db, 'analyst', 'admin'), schema: { params: offerParams, response: { 200: offerDto } } },
    async (request) => getOffer({ db, log: request.log, now }, request.params.id),
  )
}
