// Staple "slots": the kinds of product a household buys on a cycle. Each slot names one or more
// Complete Journey product_type values (a household settles on one type and one or more brands
// inside it), the typical days between purchases for an average household, and how common the
// habit is. Cycles follow the research notes (§4: milk, bread and bananas within a week; coffee
// and cereal in weeks; detergent, paper and pet food over a month) and are varied per household.

/** Who can have the slot: everyone, or only households with a dog, a cat or a baby. */
export type SlotAudience = 'all' | 'dog' | 'cat' | 'baby'

export interface StapleSlot {
  readonly key: string
  /** 'PRODUCT_CATEGORY|PRODUCT_TYPE' pairs: type names alone repeat across categories. */
  readonly types: readonly string[]
  /** Typical days between purchases of one unit, for an average household. */
  readonly cycleDays: number
  /** Share of the slot's audience that buys it as a habit (before the staple-count limit). */
  readonly prevalence: number
  readonly audience: SlotAudience
  /** Fresh produce: produce-heavy households weigh it up. */
  readonly produce?: boolean
}

const s = (key: string, cycleDays: number, prevalence: number, types: string[], audience: SlotAudience = 'all', produce = false): StapleSlot => ({
  key,
  types,
  cycleDays,
  prevalence,
  audience,
  produce,
})

export const STAPLE_SLOTS: readonly StapleSlot[] = [
  // dairy, bread, eggs: days
  s('milk', 6, 0.75, ['FLUID MILK PRODUCTS|FLUID MILK WHITE ONLY']),
  s('bread', 7, 0.6, ['BAKED BREAD/BUNS/ROLLS|MAINSTREAM WHITE BREAD', 'BAKED BREAD/BUNS/ROLLS|MAINSTREAM WHEAT/MULTIGRAIN BR', 'BAKED BREAD/BUNS/ROLLS|PREMIUM BREAD']),
  s('eggs', 11, 0.55, ['EGGS|EGGS - LARGE', 'EGGS|EGGS - X-LARGE']),
  s('yogurt', 7, 0.3, ['YOGURT|YOGURT NOT MULTI-PACKS', 'YOGURT|YOGURT MULTI-PACKS']),
  s('shredded-cheese', 13, 0.4, ['CHEESE|SHREDDED CHEESE']),
  s('sliced-cheese', 14, 0.25, ['CHEESE|IWS SINGLE CHEESE', 'CHEESE|NATURAL CHEESE EXACT WT SLICES']),
  s('orange-juice', 9, 0.25, ['REFRGRATD JUICES/DRNKS|DAIRY CASE 100% PURE JUICE - O']),
  s('creamer', 10, 0.18, ['FLUID MILK PRODUCTS|REFRIGERATED COFFEE CREAMERS']),
  s('butter', 24, 0.3, ['BUTTER|BUTTER', 'MARGARINES|MARGARINE: TUBS AND BOWLS']),
  s('sour-cream', 16, 0.15, ['MILK BY-PRODUCTS|SOUR CREAMS', 'MILK BY-PRODUCTS|COTTAGE CHEESE']),
  s('lunchmeat', 8, 0.25, ['LUNCHMEAT|POULTRY', 'LUNCHMEAT|HAM', 'LUNCHMEAT|BOLOGNA']),
  s('buns', 16, 0.12, ['BAKED BREAD/BUNS/ROLLS|HAMBURGER BUNS', 'BAKED BREAD/BUNS/ROLLS|HOT DOG BUNS']),
  // produce: days
  s('bananas', 6, 0.5, ['TROPICAL FRUIT|BANANAS'], 'all', true),
  s('salad', 8, 0.2, ['SALAD MIX|REGULAR GARDEN', 'SALAD MIX|BLENDS', 'SALAD MIX|GARDEN PLUS'], 'all', true),
  s('strawberries', 8, 0.15, ['BERRIES|STRAWBERRIES'], 'all', true),
  s('grapes', 9, 0.15, ['GRAPES|GRAPES RED', 'GRAPES|GRAPES WHITE'], 'all', true),
  s('apples', 10, 0.18, ['APPLES|APPLES GALA (BULK&BAG)', 'APPLES|APPLES RED DELICIOUS (BULK&BAG', 'APPLES|APPLES GRANNY SMITH (BULK&BAG)'], 'all', true),
  s('potatoes', 16, 0.2, ['POTATOES|POTATOES RUSSET (BULK&BAG)'], 'all', true),
  s('onions', 14, 0.18, ['ONIONS|ONIONS SWEET (BULK&BAG)', 'ONIONS|ONIONS YELLOW (BULK&BAG)'], 'all', true),
  s('carrots', 12, 0.15, ['CARROTS|CARROTS MINI PEELED', 'CARROTS|CARROTS BAGGED'], 'all', true),
  s('tomatoes', 9, 0.15, ['TOMATOES|TOMATOES HOTHOUSE ON THE VINE', 'TOMATOES|TOMATOES GRAPE'], 'all', true),
  s('lettuce', 10, 0.12, ['VEGETABLES SALAD|HEAD LETTUCE'], 'all', true),
  s('cucumbers', 9, 0.1, ['VEGETABLES - ALL OTHERS|CUCUMBERS'], 'all', true),
  s('peppers', 10, 0.1, ['PEPPERS-ALL|PEPPERS GREEN BELL'], 'all', true),
  // meat: a week or two
  s('ground-beef', 10, 0.28, ['BEEF|PRIMAL', 'BEEF|LEAN']),
  s('chicken-breast', 11, 0.22, ['CHICKEN|CHICKEN BREAST BONELESS']),
  s('hot-dogs', 18, 0.1, ['HOT DOGS|PREMIUM - MEAT', 'HOT DOGS|ECONOMY - MEAT']),
  // drinks and snacks
  s('soda-cans', 10, 0.3, ['SOFT DRINKS|SOFT DRINKS 12/18&15PK CAN CAR']),
  s('soda-2l', 8, 0.2, ['SOFT DRINKS|SFT DRNK 2 LITER BTL CARB INCL']),
  s('water', 12, 0.15, ['WATER - CARBONATED/FLVRD DRINK|NON-CRBNTD DRNKING/MNERAL WATE', 'WATER - CARBONATED/FLVRD DRINK|SPRING WATER']),
  s('beer', 14, 0.12, ['BEERS/ALES|BEERALEMALT LIQUORS']),
  s('chips', 10, 0.25, ['BAG SNACKS|POTATO CHIPS', 'BAG SNACKS|TORTILLA/NACHO CHIPS']),
  // pantry and freezer: weeks
  s('cereal', 18, 0.42, ['COLD CEREAL|KIDS CEREAL', 'COLD CEREAL|ALL FAMILY CEREAL', 'COLD CEREAL|ADULT CEREAL']),
  s('coffee', 24, 0.32, ['COFFEE|GROUND COFFEE']),
  s('frozen-dinners', 9, 0.15, ['FRZN MEAT/MEAT DINNERS|SS ECONOMY ENTREES/DINNERS ALL', 'FRZN MEAT/MEAT DINNERS|FRZN SS PREMIUM ENTREES/DNRS/N']),
  s('frozen-pizza', 14, 0.15, ['FROZEN PIZZA|PIZZA/ECONOMY', 'FROZEN PIZZA|PIZZA/TRADITIONAL']),
  s('frozen-vegetables', 14, 0.15, ['FRZN VEGETABLE/VEG DSH|FRZN BAGGED VEGETABLES - PLAIN']),
  s('pasta-sauce', 21, 0.15, ['PASTA SAUCE|MAINSTREAM']),
  s('spaghetti', 24, 0.12, ['DRY NOODLES/PASTA|SPAGHETTI DRY']),
  s('soup', 14, 0.15, ['SOUP|CONDENSED SOUP']),
  s('peanut-butter', 35, 0.18, ['PNT BTR/JELLY/JAMS|PEANUT BUTTER']),
  s('ice-cream', 18, 0.15, ['ICE CREAM/MILK/SHERBTS|PREMIUM', 'ICE CREAM/MILK/SHERBTS|TRADITIONAL']),
  s('sugar', 45, 0.12, ['SUGARS/SWEETNERS|SUGAR']),
  // household and personal care: weeks to months
  s('toilet-paper', 28, 0.5, ['BATH TISSUES|TOILET TISSUE']),
  s('paper-towels', 30, 0.4, ['PAPER TOWELS|PAPER TOWELS & HOLDERS']),
  s('laundry-detergent', 45, 0.45, ['LAUNDRY DETERGENTS|LIQUID LAUNDRY DETERGENTS']),
  s('dish-soap', 40, 0.25, ['DISHWASH DETERGENTS|LIQUID DISH DETERGENT']),
  s('trash-bags', 50, 0.18, ['FD WRAPS/BAGS/TRSH BG|GARBAGE KITCHEN COMPACTOR BA', 'FD WRAPS/BAGS/TRSH BG|PLASTIC TRASH BAGS']),
  s('facial-tissue', 35, 0.15, ['FACIAL TISS/DNR NAPKIN|FACIAL TISSUE & PAPER HANDKE']),
  s('toothpaste', 50, 0.2, ['ORAL HYGIENE PRODUCTS|TOOTHPASTE']),
  s('shampoo', 60, 0.15, ['HAIR CARE PRODUCTS|SHAMPOO']),
  // pets
  s('dry-dog-food', 30, 0.9, ['DOG FOODS|DRY DOG FOOD PREMIUM (ALPO/PUR', 'DOG FOODS|DRY DOG VALUE (PET PRIDE/KLR/G', 'DOG FOODS|DRY DOG ECONOMY (COST CUTTER/F'], 'dog'),
  s('canned-dog-food', 8, 0.35, ['DOG FOODS|CAN DOG FOOD (SKIPPY/PEDIGREE/', 'DOG FOODS|CAN DOGFD GOURMET/SUPER PREM ('], 'dog'),
  s('dog-treats', 21, 0.45, ['DOG FOODS|DOG TREATS (SOFT TREATS)', 'DOG FOODS|DOG BISCUITS (HARD BISCUIT)'], 'dog'),
  s('dry-cat-food', 21, 0.8, ['CAT FOOD|DRY CAT FOOD (CAT CHOW/FRISKIE', 'CAT FOOD|DRY CAT FOOD ECONOMY (COST CUT'], 'cat'),
  s('canned-cat-food', 7, 0.55, ['CAT FOOD|CANNED CAT FOOD (9 LIVES/FRISK', 'CAT FOOD|CAN CATFD GOURMET/SUP PREM (GR'], 'cat'),
  s('cat-litter', 18, 0.8, ['CAT LITTER|SCOOP LITTER', 'CAT LITTER|CONVENTIONAL LITTER'], 'cat'),
  // babies
  s('diapers', 9, 0.95, ['DIAPERS & DISPOSABLES|BABY DIAPERS'], 'baby'),
  s('baby-wipes', 18, 0.6, ['BABY HBC|BABY WIPES'], 'baby'),
  s('formula', 8, 0.6, ['INFANT FORMULA|INFANT FORMULA MILK BASE', 'INFANT FORMULA|INFANT FORMULA SOY BASE'], 'baby'),
  s('baby-food', 5, 0.55, ['BABY FOODS|BABY FOOD - BEGINNER', 'BABY FOODS|BABY FOOD JUNIOR ALL BRANDS'], 'baby'),
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
