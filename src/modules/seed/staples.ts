// Staple "slots": the kinds of product a household buys on a cycle. Each slot names one or more
// Complete Journey product_type values (a household settles on one type and one or more brands
// inside it), the typical days between purchases for an average household, and how common the
// habit is. Cycles follow the research notes (§4: milk, bread and bananas within a week; coffee
// and cereal in weeks; detergent, paper and pet food over a month) and are varied per household.
// Prevalences and SKU variety are fitted to the real data (docs/seed.md "Concentration").

/** Who can have the slot: everyone, or only households with a dog, a cat or a baby. */
export type SlotAudience = 'all' | 'dog' | 'cat' | 'baby'

export interface StapleSlot {
  readonly key: string
  /** 'PRODUCT_CATEGORY|PRODUCT_TYPE' pairs: type names alone repeat across categories. */
  readonly types: readonly string[]
  /** Typical days between purchases of one unit, for an average household. */
  readonly cycleDays: number
  /** Share of the slot's audience that has the habit (see chooseStaples). */
  readonly prevalence: number
  /**
   * How often two purchases of the habit by one household are the same SKU (flavours, sizes and
   * brands rotate). Fitted, with `prevalence`, so that the seed's figures per slot match those
   * measured on the Complete Journey sample (docs/seed.md "Concentration"); 0.4 where the sample
   * has too few pairs to tell.
   */
  readonly sameSku: number
  readonly audience: SlotAudience
  /** Fresh produce: produce-heavy households weigh it up. */
  readonly produce?: boolean
}

const s = (key: string, cycleDays: number, prevalence: number, sameSku: number, types: string[], audience: SlotAudience = 'all', produce = false): StapleSlot => ({
  key,
  types,
  cycleDays,
  prevalence,
  sameSku,
  audience,
  produce,
})

export const STAPLE_SLOTS: readonly StapleSlot[] = [
  // dairy, bread, eggs: days
  s('milk', 6, 0.606, 0.45, ['FLUID MILK PRODUCTS|FLUID MILK WHITE ONLY']),
  s('bread', 7, 0.348, 0.37, ['BAKED BREAD/BUNS/ROLLS|MAINSTREAM WHITE BREAD', 'BAKED BREAD/BUNS/ROLLS|MAINSTREAM WHEAT/MULTIGRAIN BR', 'BAKED BREAD/BUNS/ROLLS|PREMIUM BREAD']),
  s('eggs', 11, 0.129, 0.48, ['EGGS|EGGS - LARGE', 'EGGS|EGGS - X-LARGE']),
  s('yogurt', 7, 0.95, 0.06, ['YOGURT|YOGURT NOT MULTI-PACKS', 'YOGURT|YOGURT MULTI-PACKS']),
  s('shredded-cheese', 13, 0.39, 0.13, ['CHEESE|SHREDDED CHEESE']),
  s('sliced-cheese', 14, 0.169, 0.19, ['CHEESE|IWS SINGLE CHEESE', 'CHEESE|NATURAL CHEESE EXACT WT SLICES']),
  s('orange-juice', 9, 0.0913, 0.35, ['REFRGRATD JUICES/DRNKS|DAIRY CASE 100% PURE JUICE - O']),
  s('creamer', 10, 0.0581, 0.54, ['FLUID MILK PRODUCTS|REFRIGERATED COFFEE CREAMERS']),
  s('butter', 24, 0.215, 0.35, ['BUTTER|BUTTER', 'MARGARINES|MARGARINE: TUBS AND BOWLS']),
  s('sour-cream', 16, 0.206, 0.29, ['MILK BY-PRODUCTS|SOUR CREAMS', 'MILK BY-PRODUCTS|COTTAGE CHEESE']),
  s('lunchmeat', 8, 0.171, 0.19, ['LUNCHMEAT|POULTRY', 'LUNCHMEAT|HAM', 'LUNCHMEAT|BOLOGNA']),
  s('buns', 16, 0.244, 0.24, ['BAKED BREAD/BUNS/ROLLS|HAMBURGER BUNS', 'BAKED BREAD/BUNS/ROLLS|HOT DOG BUNS']),
  // produce: days
  s('bananas', 6, 0.104, 1, ['TROPICAL FRUIT|BANANAS'], 'all', true),
  s('salad', 8, 0.0509, 0.27, ['SALAD MIX|REGULAR GARDEN', 'SALAD MIX|BLENDS', 'SALAD MIX|GARDEN PLUS'], 'all', true),
  s('strawberries', 8, 0.0235, 0.73, ['BERRIES|STRAWBERRIES'], 'all', true),
  s('grapes', 9, 0.0469, 0.12, ['GRAPES|GRAPES RED', 'GRAPES|GRAPES WHITE'], 'all', true),
  s('apples', 10, 0.0239, 0.4, ['APPLES|APPLES GALA (BULK&BAG)', 'APPLES|APPLES RED DELICIOUS (BULK&BAG', 'APPLES|APPLES GRANNY SMITH (BULK&BAG)'], 'all', true),
  s('potatoes', 16, 0.0265, 0.4, ['POTATOES|POTATOES RUSSET (BULK&BAG)'], 'all', true),
  s('onions', 14, 0.0239, 0.4, ['ONIONS|ONIONS SWEET (BULK&BAG)', 'ONIONS|ONIONS YELLOW (BULK&BAG)'], 'all', true),
  s('carrots', 12, 0.0199, 0.4, ['CARROTS|CARROTS MINI PEELED', 'CARROTS|CARROTS BAGGED'], 'all', true),
  s('tomatoes', 9, 0.0199, 0.4, ['TOMATOES|TOMATOES HOTHOUSE ON THE VINE', 'TOMATOES|TOMATOES GRAPE'], 'all', true),
  s('lettuce', 10, 0.016, 0.4, ['VEGETABLES SALAD|HEAD LETTUCE'], 'all', true),
  s('cucumbers', 9, 0.0133, 0.4, ['VEGETABLES - ALL OTHERS|CUCUMBERS'], 'all', true),
  s('peppers', 10, 0.0133, 0.4, ['PEPPERS-ALL|PEPPERS GREEN BELL'], 'all', true),
  // meat: a week or two
  s('ground-beef', 10, 0.174, 0.29, ['BEEF|PRIMAL', 'BEEF|LEAN']),
  s('chicken-breast', 11, 0.22, 0.4, ['CHICKEN|CHICKEN BREAST BONELESS']),
  s('hot-dogs', 18, 0.1, 0.4, ['HOT DOGS|PREMIUM - MEAT', 'HOT DOGS|ECONOMY - MEAT']),
  // drinks and snacks
  s('soda-cans', 10, 0.798, 0.22, ['SOFT DRINKS|SOFT DRINKS 12/18&15PK CAN CAR']),
  s('soda-2l', 8, 0.588, 0.26, ['SOFT DRINKS|SFT DRNK 2 LITER BTL CARB INCL']),
  s('water', 12, 0.221, 0.54, ['WATER - CARBONATED/FLVRD DRINK|NON-CRBNTD DRNKING/MNERAL WATE', 'WATER - CARBONATED/FLVRD DRINK|SPRING WATER']),
  s('beer', 14, 0.545, 0.03, ['BEERS/ALES|BEERALEMALT LIQUORS']),
  s('chips', 10, 0.365, 0.096, ['BAG SNACKS|POTATO CHIPS', 'BAG SNACKS|TORTILLA/NACHO CHIPS']),
  // pantry and freezer: weeks
  s('cereal', 18, 0.95, 0.066, ['COLD CEREAL|KIDS CEREAL', 'COLD CEREAL|ALL FAMILY CEREAL', 'COLD CEREAL|ADULT CEREAL']),
  s('coffee', 24, 0.32, 0.4, ['COFFEE|GROUND COFFEE']),
  s('frozen-dinners', 9, 0.819, 0.045, ['FRZN MEAT/MEAT DINNERS|SS ECONOMY ENTREES/DINNERS ALL', 'FRZN MEAT/MEAT DINNERS|FRZN SS PREMIUM ENTREES/DNRS/N']),
  s('frozen-pizza', 14, 0.135, 0.1, ['FROZEN PIZZA|PIZZA/ECONOMY', 'FROZEN PIZZA|PIZZA/TRADITIONAL']),
  s('frozen-vegetables', 14, 0.175, 0.03, ['FRZN VEGETABLE/VEG DSH|FRZN BAGGED VEGETABLES - PLAIN']),
  s('pasta-sauce', 21, 0.168, 0.059, ['PASTA SAUCE|MAINSTREAM']),
  s('spaghetti', 24, 0.12, 0.4, ['DRY NOODLES/PASTA|SPAGHETTI DRY']),
  s('soup', 14, 0.339, 0.21, ['SOUP|CONDENSED SOUP']),
  s('peanut-butter', 35, 0.18, 0.4, ['PNT BTR/JELLY/JAMS|PEANUT BUTTER']),
  s('ice-cream', 18, 0.416, 0.038, ['ICE CREAM/MILK/SHERBTS|PREMIUM', 'ICE CREAM/MILK/SHERBTS|TRADITIONAL']),
  s('sugar', 45, 0.12, 0.4, ['SUGARS/SWEETNERS|SUGAR']),
  // household and personal care: weeks to months
  s('toilet-paper', 28, 0.337, 0.25, ['BATH TISSUES|TOILET TISSUE']),
  s('paper-towels', 30, 0.3, 0.32, ['PAPER TOWELS|PAPER TOWELS & HOLDERS']),
  s('laundry-detergent', 45, 0.45, 0.4, ['LAUNDRY DETERGENTS|LIQUID LAUNDRY DETERGENTS']),
  s('dish-soap', 40, 0.25, 0.4, ['DISHWASH DETERGENTS|LIQUID DISH DETERGENT']),
  s('trash-bags', 50, 0.18, 0.4, ['FD WRAPS/BAGS/TRSH BG|GARBAGE KITCHEN COMPACTOR BA', 'FD WRAPS/BAGS/TRSH BG|PLASTIC TRASH BAGS']),
  s('facial-tissue', 35, 0.15, 0.4, ['FACIAL TISS/DNR NAPKIN|FACIAL TISSUE & PAPER HANDKE']),
  s('toothpaste', 50, 0.2, 0.4, ['ORAL HYGIENE PRODUCTS|TOOTHPASTE']),
  s('shampoo', 60, 0.15, 0.4, ['HAIR CARE PRODUCTS|SHAMPOO']),
  // pets
  s('dry-dog-food', 30, 0.9, 0.4, ['DOG FOODS|DRY DOG FOOD PREMIUM (ALPO/PUR', 'DOG FOODS|DRY DOG VALUE (PET PRIDE/KLR/G', 'DOG FOODS|DRY DOG ECONOMY (COST CUTTER/F'], 'dog'),
  s('canned-dog-food', 8, 0.774, 0.03, ['DOG FOODS|CAN DOG FOOD (SKIPPY/PEDIGREE/', 'DOG FOODS|CAN DOGFD GOURMET/SUPER PREM ('], 'dog'),
  s('dog-treats', 21, 0.45, 0.4, ['DOG FOODS|DOG TREATS (SOFT TREATS)', 'DOG FOODS|DOG BISCUITS (HARD BISCUIT)'], 'dog'),
  s('dry-cat-food', 21, 0.8, 0.4, ['CAT FOOD|DRY CAT FOOD (CAT CHOW/FRISKIE', 'CAT FOOD|DRY CAT FOOD ECONOMY (COST CUT'], 'cat'),
  s('canned-cat-food', 7, 0.95, 0.032, ['CAT FOOD|CANNED CAT FOOD (9 LIVES/FRISK', 'CAT FOOD|CAN CATFD GOURMET/SUP PREM (GR'], 'cat'),
  s('cat-litter', 18, 0.8, 0.4, ['CAT LITTER|SCOOP LITTER', 'CAT LITTER|CONVENTIONAL LITTER'], 'cat'),
  // babies
  s('diapers', 9, 0.95, 0.4, ['DIAPERS & DISPOSABLES|BABY DIAPERS'], 'baby'),
  s('baby-wipes', 18, 0.6, 0.4, ['BABY HBC|BABY WIPES'], 'baby'),
  s('formula', 8, 0.6, 0.4, ['INFANT FORMULA|INFANT FORMULA MILK BASE', 'INFANT FORMULA|INFANT FORMULA SOY BASE'], 'baby'),
  s('baby-food', 5, 0.95, 0.03, ['BABY FOODS|BABY FOOD - BEGINNER', 'BABY FOODS|BABY FOOD JUNIOR ALL BRANDS'], 'baby'),
]

/** Product categories that only households with a dog, a cat or a baby buy (impulse draws too). */
export const AUDIENCE_BY_CATEGORY: Readonly<Record<string, SlotAudience>> = {
  'DOG FOODS': 'dog',
  'CAT FOOD': 'cat',
  'CAT LITTER': 'cat',
  'BABY FOODS': 'baby',
  'DIAPERS & DISPOSABLES': 'baby',
  'INFANT FORMULA': 'baby',
  'BABY HBC': 'baby',
  'INFANT CARE PRODUCTS': 'baby',
}
