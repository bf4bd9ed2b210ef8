/**
 * Who gets a printed list: households that opted in and spent on average at least `weeklyCents`
 * a week over the trailing `weeks` weeks (config.loyalty). Pure twin of
 * predictions.repository.ts#qualifiedLoyalHouseholds, applied to the streamed history.
 */
export type CustomerScope = 'loyal' | 'all'

export const CUSTOMER_SCOPES: readonly CustomerScope[] = ['loyal', 'all']

export interface LoyaltyRule {
  readonly weeklyCents: number
  readonly weeks: number
}

export function qualifiesAsLoyal(optedIn: boolean, trailingSpendCents: number, rule: LoyaltyRule): boolean {
  return optedIn && trailingSpendCents >= rule.weeklyCents * rule.weeks
}
