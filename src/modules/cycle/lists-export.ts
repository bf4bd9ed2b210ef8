import type { Ctx } from '../../context.ts'
import type { ListSnapshot } from '../lists/list.types.ts'
import { findCycle } from './cycle.repository.ts'
import { issuedPage } from './issued-lists.repository.ts'

// `pantry lists export`: a cycle's issued lists as NDJSON, one line per list, read from the
// immutable snapshots in household order (streamed in pages: memory stays flat).

export interface ExportedList {
  readonly listCode: string
  readonly cardNumber: string
  /** The chain's household id. */
  readonly householdId: string
  readonly storeId: string
  readonly items: readonly {
    readonly sku: string
    readonly name: string
    readonly aisle: string
    readonly reason: string
    readonly probability: number
    readonly expectedDate: string
    readonly offerCode?: string
  }[]
  readonly offers: readonly {
    readonly code: string
    readonly sku: string
    readonly offerId: string
    readonly valueCents: number
    readonly minQuantity: number
    readonly expiresOn: string
  }[]
}

export function exportedList(row: { list_code: string; card_number: string; store_id: string }, s: ListSnapshot): ExportedList {
  return {
    listCode: row.list_code,
    cardNumber: row.card_number,
    householdId: s.household.householdId,
    storeId: row.store_id,
    items: s.sections.flatMap((sec) =>
      sec.items.map((it) => ({
        sku: it.sku,
        name: it.name,
        aisle: sec.heading,
        reason: it.reason,
        probability: it.probability,
        expectedDate: it.expectedDate,
        ...(it.offerCode ? { offerCode: it.offerCode } : {}),
      })),
    ),
    offers: s.offers.map((o) => ({ code: o.code, sku: o.sku, offerId: o.offerId, valueCents: o.valueCents, minQuantity: o.minQuantity, expiresOn: o.expiresOn })),
  }
}

/** The cycle's lists, or undefined when no cycle starts on `start`. */
export async function cycleExists(ctx: Ctx, start: string): Promise<boolean> {
  return (await findCycle(ctx.db, start)) !== undefined
}

export async function* exportLists(ctx: Ctx, start: string, pageSize = 500): AsyncGenerator<ExportedList> {
  for (let after = 0; ; ) {
    const page = await issuedPage(ctx.db, start, after, pageSize)
    for (const row of page) yield exportedList(row, row.snapshot as ListSnapshot)
    if (page.length < pageSize) return
    after = page[page.length - 1]!.household_id
  }
}
