import type { Ctx } from '../../context.ts'
import { basketsSince, lastTransactionId } from './household-history.repository.ts'
import { dayToIso } from './predictions.service.ts'

/**
 * An in-process memo of something computed from the whole population as of a UTC day (the
 * prediction model's population fit, the segments' cut points), one value per (params, as-of day).
 * The first call computes it (concurrent callers share that one computation); later calls reuse
 * it after checking, in one indexed query, that no basket dated before the day was stored since
 * (a lane's offline queue, an import of past days): if one was, it is computed again, so the
 * numbers stay those a fresh population-wide read would give. A failed computation is not kept
 * (its callers get the error, the next call tries again). At most `maxEntries` are kept, least
 * recently used dropped first.
 */
export interface AsOfMemo<P, T> {
  get(ctx: Ctx, params: P, asOfDay: number): Promise<T>
  /** Whether the value for (params, day) is being computed right now. */
  computing(params: P, asOfDay: number): boolean
  /** Computations started so far (for logs and tests). */
  readonly started: number
}

export interface AsOfMemoOptions<P, T> {
  readonly maxEntries: number
  /** The population-wide computation, reading only baskets before `asOfDay`. */
  compute(ctx: Ctx, params: P, asOfDay: number): Promise<T>
  /** Logged at info when a computation finishes, with the as-of day, its ms and `fields(params)`. */
  readonly message: string
  readonly fields?: (params: P) => Record<string, unknown>
}

interface Entry<T> {
  readonly promise: Promise<T>
  value: T | undefined
  done: boolean
  /** The highest basket id when the computation started: baskets above it are checked for late ones. */
  mark: number
}

const keyOf = (params: unknown, asOfDay: number) => `${asOfDay}|${JSON.stringify(params)}`

export function createAsOfMemo<P, T>(opts: AsOfMemoOptions<P, T>): AsOfMemo<P, T> {
  const entries = new Map<string, Entry<T>>()
  let started = 0

  const start = (ctx: Ctx, key: string, params: P, asOfDay: number): Promise<T> => {
    started += 1
    const computing = (async () => {
      // The watermark is read before computing, so a basket stored meanwhile is checked later.
      const mark = await lastTransactionId(ctx.db)
      const t0 = performance.now()
      const value = await opts.compute(ctx, params, asOfDay)
      ctx.log.info({ asOf: dayToIso(asOfDay), ...opts.fields?.(params), ms: Math.round(performance.now() - t0) }, opts.message)
      return { value, mark }
    })()
    const entry: Entry<T> = { promise: computing.then((r) => r.value), value: undefined, done: false, mark: 0 }
    computing.then(
      ({ value, mark }) => Object.assign(entry, { value, mark, done: true }),
      () => entries.get(key) === entry && entries.delete(key),
    )
    entries.set(key, entry)
    for (const old of entries.keys()) {
      if (entries.size <= opts.maxEntries) break
      entries.delete(old)
    }
    return entry.promise
  }

  const stillCurrent = async (ctx: Ctx, e: Entry<T>, asOfDay: number): Promise<boolean> => {
    const { top, late } = await basketsSince(ctx.db, e.mark, asOfDay)
    // Ids going backwards: the baskets were emptied and reloaded (a test database, a restore).
    return !late && top >= e.mark
  }

  return {
    get started() {
      return started
    },
    computing(params, asOfDay) {
      const e = entries.get(keyOf(params, asOfDay))
      return e !== undefined && !e.done
    },
    async get(ctx, params, asOfDay) {
      const key = keyOf(params, asOfDay)
      for (;;) {
        const e = entries.get(key)
        if (!e) return start(ctx, key, params, asOfDay)
        entries.delete(key)
        entries.set(key, e)
        if (!e.done) return e.promise
        if (await stillCurrent(ctx, e, asOfDay)) return e.value as T
        // Stale: drop it unless another caller already replaced it, then look again.
        if (entries.get(key) === e) entries.delete(key)
      }
    },
  }
}
