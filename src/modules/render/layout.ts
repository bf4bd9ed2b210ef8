import type { ListSnapshot, OfferInstance } from '../lists/list.types.ts'
import { couponBlock, couponsHeading } from './layout-coupons.ts'
import { contentBlock, headingBlock, itemBlock, notesBlock } from './layout-list.ts'
import type { Block, Box, DocLayout, LayoutCtx } from './layout-model.ts'
import { PageFlow } from './page-flow.ts'
import type { Template } from './template.ts'
import type { Measure } from './text-fit.ts'

// PURE: ListSnapshot + template (+ text metrics) → positioned boxes per page. No pdfkit, no I/O, no
// clock: the same inputs give the same layout, which is what makes the PDF bytes reproducible.
//
// Page order: the list by aisle in balanced columns (continuing on further pages with "continued"
// headings), the non-price block, "also need" lines in the space left, then the coupons, by default
// on a page of their own so cutting them out never cuts into the list kept on the fridge.

export function layoutList(snap: ListSnapshot, tpl: Template, m: Measure): DocLayout {
  const store = tpl.layout.stores[snap.store.id]
  const ctx: LayoutCtx = {
    t: tpl.layout,
    s: tpl.strings,
    m,
    snap,
    colors: { ...tpl.layout.colors, ...store?.colors },
    storeName: store?.displayName ?? snap.store.name,
  }
  const flow = new PageFlow(ctx)
  flowList(ctx, flow)
  flowContent(ctx, flow)
  flowCoupons(ctx, flow)
  return {
    pages: flow.finish(),
    info: { title: `Shopping list ${snap.listCode}`, author: ctx.storeName, date: new Date(`${snap.cycleStart}T00:00:00Z`) },
  }
}

interface Unit {
  readonly block: Block
  readonly kind: 'heading' | 'item'
  readonly heading: string
  readonly gapAfter: number
}

interface Placement {
  readonly block: Block
  readonly col: number
  readonly y: number
}

function listUnits(ctx: LayoutCtx, colW: number): Unit[] {
  const offers = new Map<string, OfferInstance>(ctx.snap.offers.map((o) => [o.code, o]))
  const units: Unit[] = []
  for (const section of ctx.snap.sections) {
    if (section.items.length === 0) continue
    units.push({ block: headingBlock(ctx, section.heading, false), kind: 'heading', heading: section.heading, gapAfter: 0 })
    section.items.forEach((item, i) => {
      const offer = item.offerCode === undefined ? undefined : offers.get(item.offerCode)
      const gapAfter = i === section.items.length - 1 ? ctx.t.list.sectionGap : 0
      units.push({ block: itemBlock(ctx, item, offer, colW), kind: 'item', heading: section.heading, gapAfter })
    })
  }
  return units
}

/**
 * Places units from `start` into `cols` columns of height `limit`. A heading stays with its first
 * item; a column that starts mid-section repeats the heading marked "continued".
 */
function place(ctx: LayoutCtx, units: readonly Unit[], start: number, cols: number, limit: number) {
  const out: Placement[] = []
  let col = 0
  let y = 0
  let height = 0
  let continued = 0
  let i = start
  while (i < units.length) {
    const u = units[i]!
    const cont = y === 0 && u.kind === 'item' ? headingBlock(ctx, u.heading, true) : null
    const need = u.block.h + (u.kind === 'heading' ? (units[i + 1]?.block.h ?? 0) : 0) + (cont?.h ?? 0)
    if (y > 0 && y + need > limit) {
      col++
      y = 0
      if (col === cols) break
      continue
    }
    if (cont) {
      out.push({ block: cont, col, y })
      y += cont.h
      continued++
    }
    out.push({ block: u.block, col, y })
    y += u.block.h
    height = Math.max(height, y)
    y += u.gapAfter
    i++
  }
  return { out, next: i, height, continued }
}

function flowList(ctx: LayoutCtx, flow: PageFlow): void {
  const { columns, gutter } = ctx.t.list
  const colW = (flow.width - gutter * (columns - 1)) / columns
  const units = listUnits(ctx, colW)
  let idx = 0
  while (idx < units.length) {
    const avail = flow.bottom - flow.y
    // place() always takes at least one unit, so every round makes progress.
    let placed = place(ctx, units, idx, columns, avail)
    if (placed.next === units.length) placed = balance(ctx, units, idx, columns, avail, placed)
    for (const p of placed.out) flow.add(p.block.draw(flow.x + p.col * (colW + gutter), flow.y + p.y, colW))
    idx = placed.next
    if (idx < units.length) flow.newPage()
    else flow.advance(placed.height + ctx.t.content.gap)
  }
}

/**
 * Even columns on the last list page: the shortest column height (in 4 pt steps) that fits the
 * rest, or up to BALANCE_SLACK taller if that lets every column start with a section of its own
 * rather than a "continued" heading.
 */
function balance(ctx: LayoutCtx, units: readonly Unit[], start: number, cols: number, avail: number, fallback: ReturnType<typeof place>) {
  const total = units.slice(start).reduce((s, u) => s + u.block.h + u.gapAfter, 0)
  let first: ReturnType<typeof place> | null = null
  let firstLimit = 0
  for (let limit = Math.ceil(total / cols); limit < avail; limit += 4) {
    if (first && limit > firstLimit + BALANCE_SLACK) break
    const p = place(ctx, units, start, cols, limit)
    if (p.next !== units.length) continue
    if (p.continued === 0) return p
    if (!first) [first, firstLimit] = [p, limit]
  }
  return first ?? fallback
}

const BALANCE_SLACK = 72

function flowContent(ctx: LayoutCtx, flow: PageFlow): void {
  if (ctx.snap.content) {
    const block = contentBlock(ctx, ctx.snap.content, flow.width)
    if (flow.y + block.h > flow.bottom) flow.newPage()
    flow.add(block.draw(flow.x, flow.y, flow.width))
    flow.advance(block.h + ctx.t.content.gap)
  }
  const notes = notesBlock(ctx, flow.bottom - flow.y)
  if (notes) {
    flow.add(notes.draw(flow.x, flow.y, flow.width))
    flow.advance(notes.h)
  }
}

function flowCoupons(ctx: LayoutCtx, flow: PageFlow): void {
  if (ctx.snap.offers.length === 0) return
  const c = ctx.t.coupons
  const halfW = c.columns === 2 ? (flow.width - c.gap) / 2 : flow.width
  // Store coupons pair up in rows; manufacturer coupons (two barcodes) take a row each.
  const blocks = ctx.snap.offers.map((o) => couponBlock(ctx, o, o.gs1 === undefined ? halfW : flow.width))
  const rows: (typeof blocks)[] = []
  for (const b of [...blocks.filter((b) => !b.fullWidth), ...blocks.filter((b) => b.fullWidth)]) {
    const last = rows[rows.length - 1]
    if (!b.fullWidth && last && last.length < c.columns && !last[0]!.fullWidth) last.push(b)
    else rows.push([b])
  }
  const heading = couponsHeading(ctx, flow.width)
  const firstRowH = Math.max(...rows[0]!.map((b) => b.h))
  if (c.startOnNewPage || flow.y + heading.h + firstRowH > flow.bottom) flow.newPage()
  flow.add(heading.draw(flow.x, flow.y, flow.width))
  flow.advance(heading.h + 6)
  for (const row of rows) {
    const h = Math.max(...row.map((b) => b.h))
    if (flow.y + h > flow.bottom) flow.newPage(6)
    const boxes: Box[] = []
    row.forEach((b, i) => boxes.push(...b.draw(flow.x + i * (halfW + c.gap), flow.y, b.fullWidth ? flow.width : halfW, h)))
    flow.add(boxes)
    flow.advance(h + c.gap)
  }
}
