import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { RouteDeps } from '../../app.ts'
import { requireRole } from '../../plugins/auth.ts'
import type { ModelSettings } from '../predictions/predictions.service.ts'
import { MS_PER_DAY } from '../predictions/predictions.repository.ts'
import { createProfileModel, defaultModelSettings, householdProfile, warmProfiles } from './profile.service.ts'
import { DEFAULT_SEGMENT_PARAMS, type SegmentParams } from './segments.model.ts'
import { profileDto, profileParams, profileQuery } from './segments.schemas.ts'

export interface ProfileRouteDeps extends RouteDeps {
  /** Loyalty and segment thresholds (from Config via segmentParams); default: the documented ones. */
  readonly segments?: SegmentParams
  /** The printed lists' model settings (listModelSettings(config)); default: the documented ones under `segments`' loyalty. */
  readonly predictions?: ModelSettings
  /** Fit today's population at start and at each UTC day change, in the background (`pantry serve`). */
  readonly warmProfiles?: boolean
  /** How long a profile waits for its day's population fits before answering 503 with Retry-After. */
  readonly profileFitWaitMs?: number
}

/** Default wait for a day's population fits: well inside the usual 30–60 s client and proxy timeouts. */
export const PROFILE_FIT_WAIT_MS = 25_000

/** Warming runs this long after 00:00 UTC, so a basket stamped at midnight by a slow lane is in. */
const WARM_AFTER_MIDNIGHT_MS = 60_000

/** GET /v1/households/:cardNumber/profile: loyalty, segments, attributes and predictions of a card's household. */
export const profileRoutes: FastifyPluginAsyncZod<ProfileRouteDeps> = async (app, deps) => {
  const { db, now } = deps
  const params = deps.segments ?? DEFAULT_SEGMENT_PARAMS
  // One population fit and one set of cut points per as-of day for the life of this app, shared by all its profile requests.
  const model = createProfileModel(deps.predictions ?? defaultModelSettings(params), undefined, deps.profileFitWaitMs ?? PROFILE_FIT_WAIT_MS)

  if (deps.warmProfiles) {
    const ctx = { db, log: app.log, now }
    let timer: NodeJS.Timeout | undefined
    const warmToday = () => {
      const today = Math.floor(now().getTime() / MS_PER_DAY)
      void warmProfiles(ctx, model, params, today)
      timer = setTimeout(warmToday, (today + 1) * MS_PER_DAY + WARM_AFTER_MIDNIGHT_MS - now().getTime())
      timer.unref()
    }
    app.addHook('onReady', async () => warmToday())
    app.addHook('onClose', async () => clearTimeout(timer))
  }

  app.get(
    '/:cardNumber/profile',
    {
      onRequest: requireRole(db, 'analyst', 'admin'),
      schema: { params: profileParams, querystring: profileQuery, response: { 200: profileDto } },
    },
    async (request) =>
      householdProfile({ db, log: request.log, now }, { cardNumber: request.params.cardNumber, asOf: request.query.asOf, params: deps.segments, predictions: model }),
  )
}
