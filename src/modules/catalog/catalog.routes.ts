import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { RouteDeps } from '../../app.ts'
import { requireRole } from '../../plugins/auth.ts'
import { listProductsQuery, productDto, productPage, putProductsBody, skuParams, upsertCounts } from './catalog.schemas.ts'
import { getProduct, listProductPage, putProducts } from './catalog.service.ts'

/** /v1/products: the chain's catalog (bulk upsert by admins, lookups by every role). */
export const catalogRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, now }) => {
  app.put(
    '/',
    { onRequest: requireRole(db, 'admin'), schema: { body: putProductsBody, response: { 200: upsertCounts } } },
    async (request) => putProducts({ db, log: request.log, now }, request.body.products),
  )

  app.get(
    '/',
    { onRequest: requireRole(db, 'analyst', 'admin'), schema: { querystring: listProductsQuery, response: { 200: productPage } } },
    async (request) => listProductPage({ db, log: request.log, now }, request.query),
  )

  app.get(
    '/:sku',
    { onRequest: requireRole(db, 'pos', 'cashier', 'analyst', 'admin'), schema: { params: skuParams, response: { 200: productDto } } },
    async (request) => getProduct({ db, log: request.log, now }, request.params.sku),
  )
}
