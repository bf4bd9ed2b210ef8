import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { RouteDeps } from '../../app.ts'

// Placeholder: routes land with their module.
export const transactionRoutes: FastifyPluginAsyncZod<RouteDeps> = async () => {}
