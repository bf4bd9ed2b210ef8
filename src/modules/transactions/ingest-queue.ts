import type { Ctx } from '../../context.ts'
import type { BasketInput } from './transactions.schemas.ts'
import { type IngestOutcome, ingestBaskets } from './transactions.service.ts'

interface Waiting {
  basket: BasketInput
  resolve: (o: IngestOutcome) => void
  reject: (e: unknown) => void
}

/**
 * Group commit for baskets posted one at a time. A lane posting live sends one basket per request;
 * a transaction and a WAL flush per basket would cap a store at a few hundred baskets a second.
 * Baskets that arrive while earlier groups are being written wait and go in together, as one
 * transaction (each still all-or-nothing and idempotent: see ingestBaskets). At low load a basket
 * is written at once, alone; under load groups grow by themselves, with no timer.
 */
export class IngestQueue {
  private readonly waiting: Waiting[] = []
  private inFlight = 0
  private readonly ctx: Ctx
  private readonly maxInFlight: number
  private readonly maxGroup: number

  constructor(ctx: Ctx, maxInFlight = 4, maxGroup = 500) {
    this.ctx = ctx
    this.maxInFlight = maxInFlight
    this.maxGroup = maxGroup
  }

  submit(basket: BasketInput): Promise<IngestOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ basket, resolve, reject })
      this.pump()
    })
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.maxGroup)
      this.inFlight++
      ingestBaskets(
        this.ctx,
        group.map((w) => w.basket),
      )
        .then(
          (outcomes) => group.forEach((w, i) => w.resolve(outcomes[i]!)),
          (err: unknown) => group.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          this.inFlight--
          this.pump()
        })
    }
  }
}
