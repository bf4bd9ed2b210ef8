// Readable product names for the Complete Journey catalog, which has none: brand + variety + kind +
// size, e.g. "Northwoods 2% Milk 1 GAL". National brands are invented per manufacturer and
// department (the data only has manufacturer ids); the chain's store brand is "Northwoods".

import { mix32 } from './prng.ts'

export const STORE_BRAND = 'Northwoods'

const BRAND_HEADS = [
  'Golden', 'Prairie', 'Lakeside', 'Blue Ridge', 'Maple', 'Harvest', 'Silver Creek', 'Sunny', 'Red Barn', 'Cedar',
  'Meadow', 'Happy', 'Country', 'Summit', 'Pine Hill', 'River', 'Oakwood', 'Heartland', 'Great Plains', 'Old Mill',
  'Bright', 'Evergreen', 'Homestead', 'Crystal', 'Liberty', 'Willow', 'Sunrise', 'Bay', 'Clover', 'Arrow',
] as const
const BRAND_TAILS = [
  'Farms', 'Foods', 'Kitchen', 'Co.', 'Brands', 'Select', 'Classic', 'Naturals', 'Valley', 'Acres', 'Mills', 'Orchard',
] as const

/** A stable invented brand for a national manufacturer within a department. */
export function nationalBrand(manufacturerId: string, department: string): string {
  let h = mix32(Number(manufacturerId) || 0)
  for (let i = 0; i < department.length; i++) h = mix32(h ^ department.charCodeAt(i))
  return `${BRAND_HEADS[h % BRAND_HEADS.length]} ${BRAND_TAILS[(h >>> 8) % BRAND_TAILS.length]}`
}

/** Display names for the product types that matter most (staples); keys are 'CATEGORY|TYPE' or 'TYPE'. */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  'FLUID MILK WHITE ONLY': 'Milk',
  'MAINSTREAM WHITE BREAD': 'White Bread',
  'MAINSTREAM WHEAT/MULTIGRAIN BR': 'Wheat Bread',
  'EGGS - LARGE': 'Large Eggs',
  'EGGS - X-LARGE': 'Extra Large Eggs',
  'EGGS - MEDIUM': 'Medium Eggs',
  'EGGS - JUMBO': 'Jumbo Eggs',
  'YOGURT NOT MULTI-PACKS': 'Yogurt',
  'YOGURT MULTI-PACKS': 'Yogurt Multi-Pack',
  'IWS SINGLE CHEESE': 'American Cheese Singles',
  'NATURAL CHEESE EXACT WT SLICES': 'Sliced Cheese',
  'NATURAL CHEESE EXACT WT CHUNKS': 'Cheese Chunk',
  'DAIRY CASE 100% PURE JUICE - O': 'Orange Juice',
  'REFRIGERATED COFFEE CREAMERS': 'Coffee Creamer',
  'MARGARINE: TUBS AND BOWLS': 'Margarine',
  'SOUR CREAMS': 'Sour Cream',
  'LUNCHMEAT|POULTRY': 'Sliced Turkey',
  'LUNCHMEAT|HAM': 'Sliced Ham',
  'REGULAR GARDEN': 'Garden Salad',
  'BLENDS': 'Salad Blend',
  'GARDEN PLUS': 'Garden Plus Salad',
  'APPLES GALA (BULK&BAG)': 'Gala Apples',
  'APPLES RED DELICIOUS (BULK&BAG': 'Red Delicious Apples',
  'APPLES GRANNY SMITH (BULK&BAG)': 'Granny Smith Apples',
  'POTATOES RUSSET (BULK&BAG)': 'Russet Potatoes',
  'ONIONS SWEET (BULK&BAG)': 'Sweet Onions',
  'ONIONS YELLOW (BULK&BAG)': 'Yellow Onions',
  'CARROTS MINI PEELED': 'Baby Carrots',
  'TOMATOES HOTHOUSE ON THE VINE': 'Tomatoes on the Vine',
  'GRAPES RED': 'Red Grapes',
  'GRAPES WHITE': 'Green Grapes',
  'PEPPERS GREEN BELL': 'Green Bell Peppers',
  'BEEF|PRIMAL': 'Beef Cut',
  'BEEF|LEAN': 'Lean Ground Beef',
  'CHICKEN BREAST BONELESS': 'Boneless Chicken Breast',
  'HOT DOGS|PREMIUM - MEAT': 'Premium Hot Dogs',
  'HOT DOGS|ECONOMY - MEAT': 'Hot Dogs',
  'SOFT DRINKS 12/18&15PK CAN CAR': 'Soda 12-Pack Cans',
  'SFT DRNK 2 LITER BTL CARB INCL': 'Soda 2 Liter',
  'SFT DRNK SNGL SRV BTL CARB (EX': 'Soda Bottle',
  'NON-CRBNTD DRNKING/MNERAL WATE': 'Drinking Water',
  'BEERALEMALT LIQUORS': 'Beer',
  'TORTILLA/NACHO CHIPS': 'Tortilla Chips',
  'ALL FAMILY CEREAL': 'Family Cereal',
  'SS ECONOMY ENTREES/DINNERS ALL': 'Frozen Dinner',
  'FRZN SS PREMIUM ENTREES/DNRS/N': 'Premium Frozen Entree',
  'PIZZA/ECONOMY': 'Frozen Pizza',
  'PIZZA/TRADITIONAL': 'Traditional Frozen Pizza',
  'FRZN BAGGED VEGETABLES - PLAIN': 'Frozen Vegetables',
  'PASTA SAUCE|MAINSTREAM': 'Pasta Sauce',
  'SPAGHETTI DRY': 'Spaghetti',
  'ICE CREAM/MILK/SHERBTS|PREMIUM': 'Premium Ice Cream',
  'ICE CREAM/MILK/SHERBTS|TRADITIONAL': 'Ice Cream',
  'TOILET TISSUE': 'Bath Tissue',
  'PAPER TOWELS & HOLDERS': 'Paper Towels',
  'LIQUID LAUNDRY DETERGENTS': 'Liquid Laundry Detergent',
  'GARBAGE KITCHEN COMPACTOR BA': 'Kitchen Trash Bags',
  'FACIAL TISSUE & PAPER HANDKE': 'Facial Tissue',
  'DRY DOG FOOD PREMIUM (ALPO/PUR': 'Premium Dry Dog Food',
  'DRY DOG VALUE (PET PRIDE/KLR/G': 'Dry Dog Food',
  'DRY DOG ECONOMY (COST CUTTER/F': 'Value Dry Dog Food',
  'CAN DOG FOOD (SKIPPY/PEDIGREE/': 'Canned Dog Food',
  'CAN DOGFD GOURMET/SUPER PREM (': 'Gourmet Canned Dog Food',
  'DRY CAT FOOD (CAT CHOW/FRISKIE': 'Dry Cat Food',
  'DRY CAT FOOD ECONOMY (COST CUT': 'Value Dry Cat Food',
  'CANNED CAT FOOD (9 LIVES/FRISK': 'Canned Cat Food',
  'CAN CATFD GOURMET/SUP PREM (GR': 'Gourmet Canned Cat Food',
  'SCOOP LITTER': 'Scoopable Cat Litter',
  'CONVENTIONAL LITTER': 'Cat Litter',
  'BABY DIAPERS': 'Diapers',
  'INFANT FORMULA MILK BASE': 'Infant Formula',
  'INFANT FORMULA SOY BASE': 'Soy Infant Formula',
  'BABY FOOD - BEGINNER': 'Stage 1 Baby Food',
  'BABY FOOD JUNIOR ALL BRANDS': 'Stage 3 Baby Food',
}

/** Varieties for busy types, so that sibling products get distinct names instead of being dropped. */
const VARIETIES: Readonly<Record<string, readonly string[]>> = {
  'FLUID MILK WHITE ONLY': ['Whole', '2%', '1%', 'Fat Free'],
  'YOGURT NOT MULTI-PACKS': ['Strawberry', 'Vanilla', 'Blueberry', 'Peach', 'Plain', 'Cherry', 'Raspberry', 'Lemon'],
  'GROUND COFFEE': ['Original', 'Medium Roast', 'Dark Roast', 'Breakfast Blend', 'Colombian', 'French Roast'],
  'SHREDDED CHEESE': ['Mozzarella', 'Cheddar', 'Mexican Blend', 'Colby Jack', 'Italian Blend', 'Pizza Blend'],
  'KIDS CEREAL': ['Frosted', 'Cocoa', 'Fruit Rings', 'Marshmallow', 'Cinnamon'],
  'ALL FAMILY CEREAL': ['Toasted Oats', 'Corn Flakes', 'Honey Oat', 'Rice Crisps', 'Bran Flakes'],
  'ADULT CEREAL': ['Granola', 'Raisin Bran', 'Multigrain', 'Almond Crunch', 'High Fiber'],
  'SOFT DRINKS 12/18&15PK CAN CAR': ['Cola', 'Diet Cola', 'Lemon-Lime', 'Root Beer', 'Orange', 'Ginger Ale'],
  'SFT DRNK 2 LITER BTL CARB INCL': ['Cola', 'Diet Cola', 'Lemon-Lime', 'Root Beer', 'Orange', 'Grape'],
  'POTATO CHIPS': ['Original', 'BBQ', 'Sour Cream & Onion', 'Salt & Vinegar', 'Cheddar'],
  'CONDENSED SOUP': ['Tomato', 'Chicken Noodle', 'Cream of Mushroom', 'Vegetable Beef', 'Cream of Chicken'],
  'SS ECONOMY ENTREES/DINNERS ALL': ['Salisbury Steak', 'Chicken Alfredo', 'Lasagna', 'Turkey & Gravy', 'Meatloaf'],
  'CANNED CAT FOOD (9 LIVES/FRISK': ['Chicken', 'Salmon', 'Turkey', 'Tuna', 'Beef'],
  'CAN CATFD GOURMET/SUP PREM (GR': ['Chicken', 'Salmon', 'Turkey', 'Tuna', 'Whitefish'],
  'BABY FOOD - BEGINNER': ['Apple', 'Pear', 'Carrot', 'Sweet Potato', 'Banana', 'Peas'],
  'BABY FOOD JUNIOR ALL BRANDS': ['Apple', 'Pear', 'Carrot', 'Sweet Potato', 'Banana', 'Peas'],
}

const ABBREVIATIONS: Readonly<Record<string, string>> = {
  FRZN: 'Frozen', SS: 'Single-Serve', SFT: 'Soft', DRNK: 'Drink', DRNKS: 'Drinks', BTL: 'Bottle', PK: 'Pack',
  CND: 'Canned', MXS: 'Mixes', DRSNG: 'Dressing', SNDWCH: 'Sandwich', SPRD: 'Spread', RTS: 'Ready', REFRGRATD: 'Refrigerated',
  BKD: 'Baked', FD: 'Food', PNT: 'Peanut', BTR: 'Butter', MISC: 'Misc', 'MISC.': 'Misc', W: 'with', SW: 'Sweet', GDS: 'Goods', BBQ: 'BBQ',
}

/** Single-word types that only make sense with their category ("Primal" → "Primal Beef"). */
const GENERIC_TYPES = new Set(['PREMIUM', 'TRADITIONAL', 'MAINSTREAM', 'VALUE', 'ECONOMY', 'ENHANCED', 'PRIMAL', 'LEAN', 'MISCELLANEOUS', 'ENTREES', 'ANGUS', 'POULTRY', 'OTHER', 'PATTIES', 'SOUP/STEW', 'CUBED MEATS'])

export function typeName(category: string, type: string): string {
  const named = TYPE_NAMES[`${category}|${type}`] ?? TYPE_NAMES[type]
  if (named) return named
  const clean = titleCase(type.replace(/\(.*$/, ''))
  return GENERIC_TYPES.has(type.trim()) ? `${clean} ${titleCase(category)}` : clean
}

export function varieties(type: string): readonly string[] {
  return VARIETIES[type] ?? []
}

function titleCase(text: string): string {
  return text
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/[A-Z.]+/g, (word) => ABBREVIATIONS[word] ?? word.charAt(0) + word.slice(1).toLowerCase()))
    .join(' ')
}

const UNITS: Readonly<Record<string, string>> = { GA: 'GAL', LBS: 'LB', LD: 'LOAD', LOADS: 'LOAD', CNT: 'CT' }

/**
 * Keeps the first "number unit" of the data's size ('A D 1 DZ' → '1 DZ', '3-LB BAG' → '3 LB',
 * '1 GA' → '1 GAL'); drops sizes without one, implausible ones, and case weights of loose
 * produce ('40 LB' bananas are sold by the pound).
 */
export function normaliseSize(size: string, department: string): string {
  const s = size.toUpperCase().replace(/-/g, ' ')
  if (/^\s*GAL\b/.test(s)) return '1 GAL'
  const m = /(\d+(?:\.\d+)?(?:\/\d+)?) ?(FL OZ|[A-Z]+)/.exec(s)
  if (!m) return ''
  const amount = Number(m[1]!.includes('/') ? 1 : m[1])
  const unit = UNITS[m[2]!] ?? m[2]!
  if (amount > 999 || (department === 'PRODUCE' && unit === 'LB' && amount >= 10)) return ''
  return `${m[1]} ${unit}`
}
