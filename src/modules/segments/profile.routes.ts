import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { RouteDeps } from '../../app.ts'
import { requireRole } from '../../plugins/auth.ts'
import { householdProfile } from './profile.service.ts'
import type { SegmentParams } from './segments.model.ts'
import { profileDto, profileParams, profileQuery } from './segments.schemas.ts'

export interface ProfileRouteDeps extends RouteDeps {
  /** Loyalty and segment thresholds (from Config via segmentParams); default: the documented ones. */
  readonly segments?: SegmentParams
}

/** GET /v1/households/:cardNumber/profile: loyalty, segments, attributes and predictions of a card's household. */
export const profileRoutes: FastifyPluginAsyncZod<ProfileRouteDeps> = async (app, { db, now, segments }) => {
  app.get(
    '/:cardNumber/profile',
    {
      onRequest: requireRole(db, 'analyst', 'admin'),
      schema: { params: profileParams, querystring: profileQuery, response: { 200: profileDto } },
    },
    async (request) =>
      householdProfile({ db, log: request.log, now }, { cardNumber: request.params.cardNumber, asOf: request.query.asOf, params: segments }),
  )
}
