// PostgreSQL's error codes (SQLSTATE) that Pantry handles rather than reports, by name.
export const UNIQUE_VIOLATION = '23505'
export const DEADLOCK_DETECTED = '40P01'
export const SERIALIZATION_FAILURE = '40001'
/** cannot_connect_now: the server is starting up or shutting down. */
export const CANNOT_CONNECT_NOW = '57P03'

/** The SQLSTATE of an error from node-postgres (or a Node system error's code), if any. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}
