import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import type { Kysely } from 'kysely'
import type { DB, Role } from '../db/schema.ts'
import { forbidden, unauthorized } from '../errors.ts'
import { authenticate, type Principal } from '../modules/auth/api-keys.service.ts'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
}

const now = () => new Date()

/**
 * onRequest hook: `Authorization: Bearer KEY` must name an active key of one of `roles`
 * (admin is always allowed). Store scoping is checked by the route, which knows the store.
 */
export function requireRole(db: Kysely<DB>, ...roles: Role[]): onRequestHookHandler {
  return async function checkKey(request: FastifyRequest, _reply: FastifyReply) {
    const header = request.headers.authorization
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    if (!m) throw unauthorized('send an API key as Authorization: Bearer KEY')
    const principal = await authenticate({ db, log: request.log, now }, m[1]!)
    if (!principal) throw unauthorized('the API key is unknown or revoked')
    if (principal.role !== 'admin' && !roles.includes(principal.role)) {
      throw forbidden(`a ${principal.role} key may not call ${request.method} ${request.routeOptions.url ?? request.url}`)
    }
    request.principal = principal
  }
}
