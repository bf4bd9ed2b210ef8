// The contract between the list cycle (which builds and stores issued lists), the PDF renderer and
// the exports. An issued list is an immutable snapshot: everything printed is in here.

export type OfferReward =
  | { readonly kind: 'amount_off'; readonly amountCents: number }
  | { readonly kind: 'percent_off'; readonly percent: number }
  | { readonly kind: 'fixed_price'; readonly priceCents: number }

export interface Funder {
  readonly type: 'store' | 'manufacturer'
  readonly name: string
  /** GS1 company prefix (6-12 digits) of a manufacturer funder. */
  readonly gs1CompanyPrefix?: string
}

/** One offer as printed on one household's list: its own serial code, redeemable once. */
export interface OfferInstance {
  /** Unguessable offer code with a keyed check (Code 128 on the page). */
  readonly code: string
  readonly offerId: string
  /** The item the offer is attached to on this list. */
  readonly sku: string
  readonly title: string
  readonly reward: OfferReward
  /** Expected value to the shopper in cents, for display and budgets. */
  readonly valueCents: number
  readonly minQuantity: number
  /** Last valid day, YYYY-MM-DD (store local). */
  readonly expiresOn: string
  readonly funder: Funder
  /** GS1 element string with AI (8110) for manufacturer offers, e.g. "(8110)106141416543213500110000310123". */
  readonly gs1?: string
}

export interface ListItem {
  readonly sku: string
  readonly name: string
  readonly brand: string | null
  readonly size: string | null
  readonly priceCents: number | null
  /** Why it is on the list, in shopper words: "You usually buy this every 9 days". */
  readonly reason: string
  readonly probability: number
  readonly expectedDate: string
  /** Code of the offer attached to this item, if any. */
  readonly offerCode?: string
}

export interface ListSection {
  /** Department / aisle heading, in store walking order. */
  readonly heading: string
  readonly items: readonly ListItem[]
}

export interface ContentBlock {
  readonly kind: 'recipe' | 'tip' | 'service'
  readonly title: string
  readonly body: string
}

export interface ListSnapshot {
  readonly listCode: string
  /** First and last day of the cycle, YYYY-MM-DD. */
  readonly cycleStart: string
  readonly cycleEnd: string
  readonly household: {
    readonly householdId: string
    readonly cardNumber: string
    readonly name: string | null
    readonly postalCode: string | null
  }
  readonly store: { readonly id: string; readonly name: string }
  readonly sections: readonly ListSection[]
  readonly offers: readonly OfferInstance[]
  readonly content: ContentBlock | null
}
