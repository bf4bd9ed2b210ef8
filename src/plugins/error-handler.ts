import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { AppError, dbUnavailable, type FieldError, fieldPath, isConnectionError } from '../errors.ts'

/** Every error leaves as application/problem+json (RFC 9457) with a stable `code` and the request id. */
export const errorHandler = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const appError = toAppError(err)
    if (appError.status >= 500) request.log.error({ err }, 'request failed')
    else request.log.info({ code: appError.code, detail: appError.message }, 'request rejected')
    return sendProblem(request, reply, appError)
  })
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new AppError(404, 'NOT_FOUND', 'Not found', `no route for ${request.method} ${request.url.split('?')[0]}`)),
  )
})

export function sendProblem(request: FastifyRequest, reply: FastifyReply, e: AppError) {
  const body: Record<string, unknown> = {
    type: `https://pantry.dev/problems/${e.code.toLowerCase().replaceAll('_', '-')}`,
    title: e.title,
    status: e.status,
    detail: e.message,
    code: e.code,
    requestId: request.id,
  }
  if (e.errors) body.errors = e.errors
  return reply.status(e.status).headers(e.headers).type('application/problem+json').send(body)
}

function toAppError(err: FastifyError): AppError {
  if (err instanceof AppError) return err
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext === 'body' ? '' : `${err.validationContext ?? ''}`
    const errors: FieldError[] = err.validation.map((v) => ({
      field: fieldPath(v.instancePath.split('/').filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s)), where),
      message: v.message ?? 'invalid',
    }))
    const first = errors[0]
    return new AppError(400, 'VALIDATION_FAILED', 'Bad request', first ? `${first.field}: ${first.message}` : 'invalid request', { errors })
  }
  if (isConnectionError(err)) return dbUnavailable(err)
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(413, 'BODY_TOO_LARGE', 'Payload too large', 'the request body is larger than the server accepts; send smaller batches')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', 'send application/json')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'MALFORMED_JSON', 'Bad request', 'the body is empty; send a JSON document', { errors: [{ field: '(body)', message: 'empty body' }] })
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AppError(400, 'MALFORMED_JSON', 'Bad request', `the body is not valid JSON: ${err.message}`, {
      errors: [{ field: '(body)', message: 'malformed JSON' }],
    })
  }
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500) return new AppError(status, err.code ?? 'BAD_REQUEST', 'Bad request', err.message)
  return new AppError(500, 'INTERNAL', 'Internal server error', 'an unexpected error occurred; it has been logged', { cause: err })
}
