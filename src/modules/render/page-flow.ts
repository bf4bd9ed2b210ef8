import { formatCode } from '../codes/codes.ts'
import { dateRange, fill } from './format.ts'
import { type Box, type LayoutCtx, type PageLayout, lineHeight, textCenter, textRight } from './layout-model.ts'
import { ellipsize, wrap } from './text-fit.ts'

/**
 * Pages and the vertical cursor of the body area. The first page opens with the branded header and
 * the list code; later pages with a slim running header. Footers (opt-out text, page n of N) are
 * added by finish(), once the page count is known.
 */
export class PageFlow {
  readonly x: number
  readonly width: number
  y = 0
  top = 0
  readonly bottom: number
  private readonly pages: Box[][] = []
  private readonly ctx: LayoutCtx

  constructor(ctx: LayoutCtx) {
    this.ctx = ctx
    const { page, footer } = ctx.t
    this.x = page.margin.left
    this.width = page.width - page.margin.left - page.margin.right
    this.bottom = page.height - page.margin.bottom - footer.height - 8
    this.newPage()
  }

  newPage(extraTop = 0): void {
    const first = this.pages.length === 0
    const boxes = first ? this.firstHeader() : this.runningHeader()
    this.pages.push(boxes)
    const headerH = first ? this.ctx.t.header.height : this.ctx.t.runningHeader.height
    this.top = this.ctx.t.page.margin.top + headerH + 16 + extraTop
    this.y = this.top
  }

  add(boxes: readonly Box[]): void {
    this.pages[this.pages.length - 1]!.push(...boxes)
  }

  advance(dy: number): void {
    this.y += dy
  }

  finish(): PageLayout[] {
    return this.pages.map((boxes, i) => ({ boxes: [...boxes, ...this.footer(i + 1, this.pages.length)] }))
  }

  private firstHeader(): Box[] {
    const { ctx } = this
    const { header: hd, barcode: bc } = ctx.t
    const { snap, colors: c, s } = ctx
    const x = this.x
    const y = ctx.t.page.margin.top
    const tx = x + 18
    const textW = this.width - hd.codeBoxWidth - 8 - 18 - 14
    const name = snap.household.name ? fill(s.preparedFor, { name: snap.household.name }) : s.preparedForAnyone
    const titleY = y + 14 + hd.storeSize * 1.5
    const subY = titleY + hd.titleSize * 1.2
    const subH = lineHeight(hd.subtitleSize)
    const boxX = x + this.width - 8 - hd.codeBoxWidth
    const boxY = y + 8
    const boxH = hd.height - 16
    // Label, bars and the typed form, centred vertically in the white box.
    const codeY = boxY + (boxH - (bc.height + 12 + lineHeight(bc.hriSize))) / 2 + 10
    return [
      { t: 'rect', x, y, w: this.width, h: hd.height, fill: c.brand, radius: hd.radius },
      { t: 'text', x: tx, y: y + 14, text: ellipsize(ctx.storeName.toUpperCase(), 'bold', hd.storeSize, textW, ctx.m), font: 'bold', size: hd.storeSize, color: c.brandText },
      { t: 'text', x: tx, y: titleY, text: ellipsize(s.title, 'bold', hd.titleSize, textW, ctx.m), font: 'bold', size: hd.titleSize, color: c.brandText },
      { t: 'text', x: tx, y: subY, text: ellipsize(name, 'regular', hd.subtitleSize, textW, ctx.m), font: 'regular', size: hd.subtitleSize, color: c.brandText },
      { t: 'text', x: tx, y: subY + subH, text: dateRange(snap.cycleStart, snap.cycleEnd, s), font: 'bold', size: hd.subtitleSize, color: c.brandText },
      { t: 'rect', x: boxX, y: boxY, w: hd.codeBoxWidth, h: boxH, fill: c.paper, radius: 5 },
      textCenter(ctx, s.listCode, 'bold', 6.5, boxX + hd.codeBoxWidth / 2, codeY - 10, c.muted),
      { t: 'barcode', x: boxX + 4, y: codeY, w: hd.codeBoxWidth - 8, h: bc.height, symbology: 'code128', data: snap.listCode },
      textCenter(ctx, formatCode(snap.listCode), 'mono', bc.hriSize, boxX + hd.codeBoxWidth / 2, codeY + bc.height + 2, c.ink),
    ]
  }

  private runningHeader(): Box[] {
    const { ctx } = this
    const rh = ctx.t.runningHeader
    const { snap, colors: c, s } = ctx
    const y = ctx.t.page.margin.top
    const ty = y + (rh.height - rh.size) / 2
    const dates = dateRange(snap.cycleStart, snap.cycleEnd, s)
    const datesW = ctx.m(dates, 'regular', rh.size)
    const title = fill(s.runningTitle, { store: ctx.storeName, name: snap.household.name ?? '' }).replace(/ for $/, '')
    return [
      { t: 'rect', x: this.x, y, w: this.width, h: rh.height, fill: c.brand, radius: 5 },
      { t: 'text', x: this.x + 12, y: ty, text: ellipsize(title, 'bold', rh.size, this.width - datesW - 36, ctx.m), font: 'bold', size: rh.size, color: c.brandText },
      textRight(ctx, dates, 'regular', rh.size, this.x + this.width - 12, ty, c.brandText),
    ]
  }

  private footer(page: number, pages: number): Box[] {
    const { ctx } = this
    const { footer } = ctx.t
    const { snap, colors: c, s } = ctx
    const y = ctx.t.page.height - ctx.t.page.margin.bottom - footer.height
    const right = this.x + this.width
    const card = snap.household.cardNumber
    const meta = fill(s.footerRight, { last4: card.slice(-4), page, pages })
    const optOut = wrap(s.footerOptOut, 'regular', footer.size, this.width * 0.64, ctx.m, 3)
    const lh = lineHeight(footer.size)
    return [
      { t: 'line', x1: this.x, y1: y, x2: right, y2: y, stroke: c.rule, lineWidth: 0.6 },
      ...optOut.map((line, i): Box => ({ t: 'text', x: this.x, y: y + 5 + i * lh, text: line, font: 'regular', size: footer.size, color: c.muted })),
      textRight(ctx, meta, 'regular', footer.size, right, y + 5, c.muted),
      textRight(ctx, formatCode(snap.listCode), 'mono', footer.size, right, y + 5 + lh, c.muted),
    ]
  }
}
