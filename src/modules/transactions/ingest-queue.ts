import type { Ctx } from '../../context.ts'
import type { BasketInput } from './transactions.schemas.ts'
import { type IngestOutcome, ingestBaskets } from './transactions.service.ts'

/**
 * What runs after a group's baskets are stored, once for the whole group, with the baskets newly
 * accepted (the redemption step: returns and codes, basket-redemption.ts). One answer per basket.
 */
export type AfterStored<R> = (baskets: readonly BasketInput[]) => Promise<readonly (R | undefined)[]>

/** A basket's ingest outcome and, when accepted, what the after-store step answered for it. */
export type QueuedOutcome<R> = IngestOutcome & { after?: R; afterError?: unknown }

interface Waiting<R> {
  basket: BasketInput
  resolve: (o: QueuedOutcome<R>) => void
  reject: (e: unknown) => void
}

/**
 * Group commit for baskets posted one at a time. A lane posting live sends one basket per request;
 * a statement and a WAL flush per basket would cap a store at a few hundred baskets a second.
 * Baskets that arrive while earlier groups are being written wait and go in together, in one
 * statement (each still all-or-nothing and idempotent: see ingestBaskets). At low load a basket
 * is written at once, alone; under load groups grow by themselves, with no timer.
 *
 * One group is being stored at a time unless a backlog of `parallelFrom` baskets is waiting:
 * fewer, larger groups cost less per basket, and concurrent groups contend in PostgreSQL for the
 * same store and card rows (FOR KEY SHARE from the foreign key and the card lookup). A group's
 * after-store step (returns and codes) runs while the next group is stored. Measured with 32 lanes
 * (bench:ingest, docs/ingest.md): two groups stored at once were no faster than one.
 */
export class IngestQueue<R = never> {
  private readonly waiting: Waiting<R>[] = []
  private inFlight = 0
  private scheduled = false
  /** The after-store steps of the groups stored so far, chained in order. */
  private afterSteps: Promise<unknown> = Promise.resolve()
  private readonly ctx: Ctx
  private readonly afterStored: AfterStored<R> | undefined
  private readonly maxInFlight: number
  private readonly maxGroup: number
  private readonly parallelFrom: number

  constructor(ctx: Ctx, afterStored?: AfterStored<R>, maxInFlight = 4, maxGroup = 500, parallelFrom = 100) {
    this.ctx = ctx
    this.afterStored = afterStored
    this.maxInFlight = maxInFlight
    this.maxGroup = maxGroup
    this.parallelFrom = parallelFrom
  }

  submit(basket: BasketInput): Promise<QueuedOutcome<R>> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ basket, resolve, reject })
      this.schedule()
    })
  }

  /**
   * Starts the next groups once the requests already received have been read: a group starts in
   * the event loop's check phase, after the pending I/O callbacks (posts that have arrived meanwhile)
   * have queued their baskets, so it takes them too, at no cost in latency.
   */
  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.pump()
    })
  }

  private pump(): void {
    while (this.waiting.length > 0 && (this.inFlight === 0 || (this.inFlight < this.maxInFlight && this.waiting.length >= this.parallelFrom))) {
      const group = this.waiting.splice(0, this.maxGroup)
      const baskets = group.map((w) => w.basket)
      this.inFlight++
      const stored = ingestBaskets(this.ctx, baskets)
      // The group counts as in flight while it is being stored, not during its after-store step:
      // the next group is written meanwhile. The steps run one at a time, in the groups' order, so
      // a basket's returns and codes are settled after those of every basket stored before it.
      stored
        .finally(() => {
          this.inFlight--
          this.schedule()
        })
        .catch(() => {})
      const settled = this.afterSteps.then(() => stored).then((outcomes) => this.afterStore(baskets, outcomes))
      this.afterSteps = settled.catch(() => {})
      settled.then(
        (outcomes) =>
          group.forEach((w, i) => {
            const o = outcomes[i]!
            if (o.afterError !== undefined) w.reject(o.afterError)
            else w.resolve(o)
          }),
        (err: unknown) => group.forEach((w) => w.reject(err)),
      )
    }
  }

  /**
   * Runs the after-store step once for the baskets of a stored group it accepted. If that step
   * fails for the group, each basket runs it alone, so one basket's failure is its own: the others'
   * answers stand (their baskets are stored either way, and a retry completes the step).
   */
  private async afterStore(baskets: BasketInput[], stored: IngestOutcome[]): Promise<QueuedOutcome<R>[]> {
    const outcomes: QueuedOutcome<R>[] = stored
    const step = this.afterStored
    if (!step) return outcomes
    const accepted = baskets.flatMap((_, i) => (outcomes[i]!.status === 'accepted' ? [i] : []))
    if (accepted.length === 0) return outcomes
    const attach = (i: number, after: R | undefined) => {
      if (after !== undefined) outcomes[i] = { ...outcomes[i]!, after }
    }
    try {
      const after = await step(accepted.map((i) => baskets[i]!))
      accepted.forEach((i, k) => attach(i, after[k]))
    } catch {
      for (const i of accepted) {
        try {
          attach(i, (await step([baskets[i]!]))[0])
        } catch (err) {
          outcomes[i] = { ...outcomes[i]!, afterError: err }
        }
      }
    }
    return outcomes
  }
}
