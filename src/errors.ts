/**
 * Domain errors with stable codes. The HTTP error handler maps them to application/problem+json
 * in one place; the CLI prints `detail` and exits non-zero.
 */
export interface FieldError {
  /** Path of the offending field, e.g. `items[2].quantity` or `transactions[3].occurredAt`. */
  readonly field: string
  readonly message: string
}

export class AppError extends Error {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly errors: readonly FieldError[] | undefined
  readonly headers: Readonly<Record<string, string>>

  constructor(
    status: number,
    code: string,
    title: string,
    detail?: string,
    opts: { errors?: readonly FieldError[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail ?? title, { cause: opts.cause })
    this.status = status
    this.code = code
    this.title = title
    this.errors = opts.errors
    this.headers = opts.headers ?? {}
  }
}

export const badRequest = (detail: string, errors?: readonly FieldError[]) =>
  new AppError(400, 'BAD_REQUEST', 'Bad request', detail, { errors })
export const unauthorized = (detail = 'missing or invalid API key') =>
  new AppError(401, 'UNAUTHORIZED', 'Unauthorized', detail, { headers: { 'www-authenticate': 'Bearer' } })
export const forbidden = (detail: string) => new AppError(403, 'FORBIDDEN', 'Forbidden', detail)
export const notFound = (detail: string) => new AppError(404, 'NOT_FOUND', 'Not found', detail)
export const conflict = (detail: string, errors?: readonly FieldError[]) =>
  new AppError(409, 'CONFLICT', 'Conflict', detail, { errors })
export const dbUnavailable = (cause?: unknown) =>
  new AppError(503, 'DATABASE_UNAVAILABLE', 'Service unavailable', 'the database is unavailable; retry later', {
    headers: { 'retry-after': '5' },
    cause,
  })

/** Format zod-style issue paths as `items[2].quantity`. */
export function fieldPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`
    else out += out === '' ? String(p) : `.${String(p)}`
  }
  return out === '' ? '(body)' : out
}

/** node-postgres errors that mean "the database is not reachable right now" rather than a bug. */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') {
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH'].includes(code)) return true
    // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection exceptions
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(err.message)
}
