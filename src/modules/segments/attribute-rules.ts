// Household attributes inferred from purchases, for the non-price content of a list (pet tips,
// baby offers, recipes for produce lovers). Data, not code: each attribute is a set of SQL LIKE
// patterns over the upper-cased key 'CATEGORY/SUBCATEGORY' of the products bought (category =
// department, subcategory = the Complete Journey product_category). Patterns were checked
// against every category of the Complete Journey catalog: '%/DOG FOOD%' and not '%DOG%', which
// would also catch MEAT-PCKGD/HOT DOGS. See docs/segments.md.

export interface AttributeRule {
  /** A product matches when its key is LIKE one of these ... */
  readonly include: readonly string[]
  /** ... and LIKE none of these. */
  readonly exclude: readonly string[]
}

export interface AttributeRules {
  /** Trailing days of purchases the attributes look at: [T − days, T). */
  readonly windowDays: number
  /** Pet owner: matching items bought on at least `minTrips` different baskets. */
  readonly pet: AttributeRule & { readonly minTrips: number }
  /** Baby in the household: diapers, formula, baby food on at least `minTrips` baskets. */
  readonly baby: AttributeRule & { readonly minTrips: number }
  /**
   * Produce-heavy: produce is at least `minShare` of net spend, over at least `minTrips`
   * baskets (one salad-only basket says little). Produce is about 7 % of spend in the Complete
   * Journey sample and 15 % is roughly its top decile of households.
   */
  readonly produce: AttributeRule & { readonly minShare: number; readonly minTrips: number }
}

export const ATTRIBUTE_RULES: AttributeRules = {
  windowDays: 90,
  pet: {
    include: ['%/DOG FOOD%', '%/CAT FOOD%', '%/CAT LITTER%', '%/PET %', '%/PET', '%/BIRD SEED%'],
    exclude: [],
    minTrips: 2,
  },
  baby: {
    include: ['%/BABY%', '%/DIAPER%', '%/INFANT%'],
    exclude: [],
    minTrips: 2,
  },
  produce: {
    include: ['PRODUCE/%'],
    // the produce department also sells popcorn, nuts and supplies; they say nothing about diet
    exclude: ['PRODUCE/POPCORN%', 'PRODUCE/NUTS%', 'PRODUCE/PROD SUPPLIES%'],
    minShare: 0.15,
    minTrips: 2,
  },
}
