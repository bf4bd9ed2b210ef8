// What one household puts in its basket on one trip: the staples that are due (bought on the
// first trip after the due day, with some misses), promotions pulling a purchase forward and
// raising quantities (stock-piling stretches the next cycle), unplanned items drawn by
// popularity, and now and then a returned item.

import type { Catalog, Product } from './catalog.ts'
import type { BasketLine, PromoSchedule } from './chain.ts'
import { type Household, MODEL, type Staple } from './households.ts'
import type { Rng } from './prng.ts'

/** Chance that a due staple is bought on a given trip (otherwise it waits for the next one). */
const BUY_WHEN_DUE = 0.88
const RETURN_SHARE = 0.005

export function buildBasketLines(h: Household, day: number, week: number, catalog: Catalog, promo: PromoSchedule, carded: boolean): BasketLine[] {
  const rng = h.rng
  const lines: BasketLine[] = []
  // Promotions are card prices: without the card the shopper pays the shelf price.
  const discount = (p: Product, qty: number) => (carded ? promo.discountCents(p, week) * qty : 0)
  for (const st of h.staples) {
    if (day < st.from || day >= st.until) continue
    const product = catalog.products[chooseProduct(rng, st, catalog, promo, week)]!
    const onPromo = promo.discountCents(product, week) > 0
    const due = day >= st.due
    const pulledForward = !due && onPromo && st.due - day <= st.cycleDays * 0.3 && rng.chance(0.5)
    if (!(due ? rng.chance(BUY_WHEN_DUE) : pulledForward)) continue
    const qty = quantity(rng, onPromo)
    st.due = day + st.cycleDays * qty * rng.lognormal(0, 0.22)
    st.lastBought = day
    st.lastProduct = product.index
    lines.push({ product, quantity: qty, unitCents: product.priceCents, discountCents: discount(product, qty) })
  }
  addImpulse(h, lines, catalog, discount)
  if (rng.chance(RETURN_SHARE)) addReturn(h, day, lines, catalog)
  shuffle(rng, lines)
  return lines
}

/**
 * A household that rotates SKUs for a habit takes the one on promotion when there is one;
 * otherwise any of its SKUs.
 */
function chooseProduct(rng: Rng, st: Staple, catalog: Catalog, promo: PromoSchedule, week: number): number {
  if (st.products.length === 1) return st.products[0]!
  if (rng.chance(0.7)) {
    for (const i of st.products) if (promo.discountCents(catalog.products[i]!, week) > 0) return i
  }
  return rng.pick(st.products)
}

function quantity(rng: Rng, onPromo: boolean): number {
  const r = rng.next()
  if (onPromo) return r < 0.3 ? 2 : r < 0.38 ? 3 : 1
  return r < 0.1 ? 2 : r < 0.12 ? 3 : 1
}

/** Unplanned items: Poisson around the household's rate, times a per-trip size (top-up vs stock-up). */
function addImpulse(h: Household, lines: BasketLine[], catalog: Catalog, discount: (p: Product, qty: number) => number): void {
  const rng = h.rng
  const n = rng.poisson(h.impulseRate * rng.lognormal(-0.18, 0.6))
  for (let k = 0; k < n; k++) {
    const product = drawImpulse(h, catalog)
    if (!product || lines.some((l) => l.product === product)) continue
    const r = rng.next()
    const qty = r < 0.1 ? 2 : r < 0.12 ? 3 : 1
    lines.push({ product, quantity: qty, unitCents: product.priceCents, discountCents: discount(product, qty) })
  }
}

/**
 * Some from the household's favourites, the rest popularity-weighted; produce-heavy households
 * draw a third of theirs from produce. Pet and baby items only for those who have them.
 */
function drawImpulse(h: Household, catalog: Catalog): Product | undefined {
  const rng = h.rng
  if (h.favourites.length > 0 && rng.chance(MODEL.favouriteShare)) return catalog.products[rng.pick(h.favourites)]!
  for (let attempt = 0; attempt < 3; attempt++) {
    const p =
      h.produceHeavy && rng.chance(0.35)
        ? catalog.products[catalog.produceImpulse.indexes[catalog.produceImpulse.table.draw(rng)]!]!
        : catalog.products[catalog.impulse.draw(rng)]!
    if (p.audience === 'all' || h.audiences.has(p.audience)) return p
  }
  return undefined
}

/** A returned staple bought on an earlier trip: one unit back at the shelf price. */
function addReturn(h: Household, day: number, lines: BasketLine[], catalog: Catalog): void {
  const bought = h.staples.filter((s) => s.lastBought >= 0 && s.lastBought < day)
  if (bought.length === 0) return
  const product = catalog.products[h.rng.pick(bought).lastProduct]!
  if (lines.some((l) => l.product === product)) return
  lines.push({ product, quantity: -1, unitCents: product.priceCents, discountCents: 0 })
}

function shuffle<T>(rng: Rng, items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1))
    const t = items[i]!
    items[i] = items[j]!
    items[j] = t
  }
}
