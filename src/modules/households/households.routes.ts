import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { RouteDeps } from '../../app.ts'
import { requireRole } from '../../plugins/auth.ts'
import { householdCounts, householdDto, householdParams, putHouseholdsBody } from './households.schemas.ts'
import { getHousehold, putHouseholds } from './households.service.ts'

/** /v1/households: loyalty households and their cards, as the chain's CRM knows them. */
export const householdRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, now }) => {
  app.put(
    '/',
    { onRequest: requireRole(db, 'admin'), schema: { body: putHouseholdsBody, response: { 200: householdCounts } } },
    async (request) => putHouseholds({ db, log: request.log, now }, request.body.households),
  )

  app.get(
    '/:householdId',
    { onRequest: requireRole(db, 'analyst', 'admin'), schema: { params: householdParams, response: { 200: householdDto } } },
    async (request) => getHousehold({ db, log: request.log, now }, request.params.householdId),
  )
}
