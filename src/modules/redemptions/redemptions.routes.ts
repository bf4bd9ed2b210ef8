import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { RouteDeps } from '../../app.ts'
import type { Ctx } from '../../context.ts'
import { AppError, forbidden } from '../../errors.ts'
import { requireRole } from '../../plugins/auth.ts'
import { mayActForStore } from '../auth/api-keys.service.ts'
import { codeStatus, redemptionExceptions, redemptionSummary, reviewException } from './redemption-reports.service.ts'
import {
  codeParams,
  codeStatus as codeStatusSchema,
  commitBody,
  exceptionParams,
  exceptionsQuery,
  exceptionsResult,
  quoteBody,
  redemptionException,
  redemptionResult,
  reviewBody,
  summaryQuery,
  summaryResult,
  voidBody,
  voidResult,
} from './redemptions.schemas.ts'
import { commitRedemption, quoteRedemption, type RedemptionSettings } from './redemptions.service.ts'
import { voidRedemption } from './reversals.service.ts'

/** /v1/redemptions: the checkout (cashier or pos keys, scoped to their stores) and its reports (analysts). */
export const redemptionRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { db, now } = deps
  const lane = requireRole(db, 'cashier', 'pos')
  const analyst = requireRole(db, 'analyst', 'admin')
  const ctx = (request: FastifyRequest): Ctx => ({ db, log: request.log, now })
  const settings = (): RedemptionSettings => {
    if (!deps.redemption) throw new AppError(503, 'REDEMPTION_NOT_CONFIGURED', 'Service unavailable', 'no code secret is configured (PANTRY_CODE_SECRET)')
    return deps.redemption
  }
  const scoped = (request: FastifyRequest, storeId: string) => {
    if (!mayActForStore(request.principal!, storeId)) throw forbidden(`this key may not act for store ${storeId}`)
  }

  app.post('/quote', { onRequest: lane, schema: { body: quoteBody, response: { 200: redemptionResult } } }, async (request) => {
    scoped(request, request.body.storeId)
    return quoteRedemption(ctx(request), settings(), request.body)
  })

  app.post('/', { onRequest: lane, schema: { body: commitBody, response: { 201: redemptionResult } } }, async (request, reply) => {
    scoped(request, request.body.storeId)
    return reply.status(201).send(await commitRedemption(ctx(request), settings(), request.body, { source: 'lane' }))
  })

  app.post('/void', { onRequest: lane, schema: { body: voidBody, response: { 200: voidResult } } }, async (request) => {
    scoped(request, request.body.storeId)
    return voidRedemption(ctx(request), settings(), request.body)
  })

  app.get('/codes/:code', { onRequest: lane, schema: { params: codeParams, response: { 200: codeStatusSchema } } }, async (request) =>
    codeStatus(ctx(request), settings(), request.params.code),
  )

  app.get('/summary', { onRequest: analyst, schema: { querystring: summaryQuery, response: { 200: summaryResult } } }, async (request) =>
    redemptionSummary(ctx(request), settings(), request.query),
  )

  app.get('/exceptions', { onRequest: analyst, schema: { querystring: exceptionsQuery, response: { 200: exceptionsResult } } }, async (request) =>
    redemptionExceptions(ctx(request), request.query),
  )

  app.post(
    '/exceptions/:id/review',
    { onRequest: analyst, schema: { params: exceptionParams, body: reviewBody, response: { 200: redemptionException } } },
    async (request) => reviewException(ctx(request), { id: request.params.id, note: request.body?.note }),
  )
}
