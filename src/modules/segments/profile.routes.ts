import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { RouteDeps } from '../../app.ts'
import { requireRole } from '../../plugins/auth.ts'
import { createPopulationFits } from '../predictions/household-scorer.ts'
import type { ModelSettings } from '../predictions/predictions.service.ts'
import { defaultModelSettings, householdProfile } from './profile.service.ts'
import { DEFAULT_SEGMENT_PARAMS, type SegmentParams } from './segments.model.ts'
import { profileDto, profileParams, profileQuery } from './segments.schemas.ts'

export interface ProfileRouteDeps extends RouteDeps {
  /** Loyalty and segment thresholds (from Config via segmentParams); default: the documented ones. */
  readonly segments?: SegmentParams
  /** The printed lists' model settings (listModelSettings(config)); default: the documented ones under `segments`' loyalty. */
  readonly predictions?: ModelSettings
}

/** GET /v1/households/:cardNumber/profile: loyalty, segments, attributes and predictions of a card's household. */
export const profileRoutes: FastifyPluginAsyncZod<ProfileRouteDeps> = async (app, { db, now, segments, predictions }) => {
  // One population fit per as-of day for the life of this app, shared by all its profile requests.
  const model = { settings: predictions ?? defaultModelSettings(segments ?? DEFAULT_SEGMENT_PARAMS), fits: createPopulationFits() }
  app.get(
    '/:cardNumber/profile',
    {
      onRequest: requireRole(db, 'analyst', 'admin'),
      schema: { params: profileParams, querystring: profileQuery, response: { 200: profileDto } },
    },
    async (request) =>
      householdProfile({ db, log: request.log, now }, { cardNumber: request.params.cardNumber, asOf: request.query.asOf, params: segments, predictions: model }),
  )
}
