import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Ctx } from '../../context.ts'
import { importProductsFile } from '../catalog/catalog.import.ts'
import { importHouseholdsFile } from '../households/households.import.ts'
import type { ImportSummary } from '../imports/import-report.ts'
import { importTransactionsFile } from '../imports/transactions.import.ts'
import type { BasketInput } from '../transactions/transactions.schemas.ts'
import { type Basket, type ChainOptions, type ChainTotals, generateChain } from '../seed/chain.ts'
import { csvFilesSink, SEED_FILES } from '../seed/csv-sink.ts'
import { buildStores } from '../seed/population.ts'
import { insertMissingStores } from '../seed/seed.repository.ts'

// The demo's chain: `pantry seed`'s generator, split in time. The history up to `liveDays` before
// the end goes through the CSV importers (as a chain's back-file would); the last `liveDays` are
// kept as API baskets, to be posted through POST /v1/transactions as the lanes would.

export interface DemoSeed {
  readonly totals: ChainTotals
  readonly imported: { products: ImportSummary; households: ImportSummary; transactions: ImportSummary }
  /** The most recent baskets, in time order, as POST /v1/transactions bodies. */
  readonly live: readonly BasketInput[]
}

export function toApiBasket(b: Basket): BasketInput {
  return {
    id: b.transactionId,
    storeId: b.store.id,
    lane: String(b.lane),
    cardNumber: b.cardNumber,
    occurredAt: b.occurredAt,
    items: b.lines.map((l) => ({
      sku: l.product.sku,
      quantity: l.quantity,
      unitPriceCents: l.unitCents,
      ...(l.discountCents > 0 ? { discountCents: l.discountCents } : {}),
    })),
  }
}

export async function seedDemoChain(
  ctx: Ctx,
  opts: ChainOptions & { liveDays: number; progress?: boolean; onDay?: (day: number, days: number) => void },
): Promise<DemoSeed> {
  const dir = mkdtempSync(join(tmpdir(), 'pantry-demo-'))
  try {
    const csv = csvFilesSink(dir)
    const live: BasketInput[] = []
    const firstLive = opts.days - opts.liveDays
    let totals: ChainTotals
    try {
      totals = generateChain(opts, {
        begin: csv.begin,
        household: csv.household,
        basket: (b) => (b.day >= firstLive ? live.push(toApiBasket(b)) : csv.basket!(b)),
        dayDone: opts.onDay,
      })
    } finally {
      csv.close()
    }
    await insertMissingStores(ctx.db, buildStores(opts.stores))
    const io = { progress: opts.progress }
    const products = await importProductsFile(ctx, join(dir, SEED_FILES.products), io)
    const households = await importHouseholdsFile(ctx, join(dir, SEED_FILES.households), io)
    const transactions = await importTransactionsFile(ctx, join(dir, SEED_FILES.transactions), io)
    return { totals, imported: { products, households, transactions }, live }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
