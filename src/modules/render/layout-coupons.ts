import type { OfferInstance } from '../lists/list.types.ts'
import { formatCode } from '../codes/codes.ts'
import { dateRange, fill, money, rewardHeadline, shortDate } from './format.ts'
import { type Block, type Box, type LayoutCtx, lineHeight, textCenter } from './layout-model.ts'
import { ellipsize, wrap } from './text-fit.ts'

// Cut-out coupons: a dashed cut line with scissors, the value large, the item, the terms and the
// barcodes at the bottom. Store offers take half the width (Code 128 of the offer code);
// manufacturer offers take the full width to carry the GS1 DataBar Expanded (8110) symbol as well.

export interface CouponBlock {
  readonly h: number
  readonly fullWidth: boolean
  draw(x: number, y: number, w: number, h: number): Box[]
}

export function couponsHeading(ctx: LayoutCtx, width: number): Block {
  const c = ctx.t.coupons
  const note = wrap(ctx.s.couponsNote, 'regular', c.detailSize + 1, width, ctx.m, 2)
  const title = fill(ctx.s.couponsHeading, { range: dateRange(ctx.snap.cycleStart, ctx.snap.cycleEnd, ctx.s) })
  const noteY = lineHeight(c.headingSize) + 2
  const noteH = lineHeight(c.detailSize + 1)
  return {
    h: noteY + note.length * noteH + 8,
    draw: (x, y) => [
      { t: 'text', x, y, text: ellipsize(title, 'bold', c.headingSize, width, ctx.m), font: 'bold', size: c.headingSize, color: ctx.colors.ink },
      ...note.map((line, i): Box => {
        return { t: 'text', x, y: y + noteY + i * noteH, text: line, font: 'regular', size: c.detailSize + 1, color: ctx.colors.muted }
      }),
    ],
  }
}

export function couponBlock(ctx: LayoutCtx, offer: OfferInstance, width: number): CouponBlock {
  return offer.gs1 !== undefined ? manufacturerCoupon(ctx, offer, offer.gs1, width) : storeCoupon(ctx, offer, width)
}

/** Headline, title and terms of a coupon in a column of `w`; returns boxes and the height used. */
function couponText(ctx: LayoutCtx, offer: OfferInstance, kindLabel: string, w: number) {
  const c = ctx.t.coupons
  const headline = rewardHeadline(offer.reward, ctx.s)
  const title = wrap(offer.title, 'bold', c.titleSize, w, ctx.m, 2)
  const terms = [
    offer.minQuantity > 1 ? fill(ctx.s.buyN, { n: offer.minQuantity }) : ctx.s.buyOne,
    fill(ctx.s.validThrough, { date: shortDate(offer.expiresOn, ctx.s) }),
    offer.reward.kind === 'amount_off' ? '' : fill(ctx.s.worth, { value: money(offer.valueCents, ctx.s) }),
    offer.funder.type === 'manufacturer' ? fill(ctx.s.fundedBy, { funder: offer.funder.name }) : '',
  ].filter((t) => t !== '')
  const termLines = wrap(terms.join(' · '), 'regular', c.detailSize, w, ctx.m, 3)
  const labelH = lineHeight(6.5)
  const headH = c.valueSize * 1.1
  const titleY = labelH + headH + 2
  const termsY = titleY + title.length * lineHeight(c.titleSize) + 1
  const h = termsY + termLines.length * lineHeight(c.detailSize)
  const draw = (x: number, y: number): Box[] => [
    { t: 'text', x, y, text: kindLabel, font: 'bold', size: 6.5, color: ctx.colors.muted },
    { t: 'text', x, y: y + labelH, text: ellipsize(headline, 'bold', c.valueSize, w, ctx.m), font: 'bold', size: c.valueSize, color: ctx.colors.brand },
    ...title.map((line, i): Box => ({ t: 'text', x, y: y + titleY + i * lineHeight(c.titleSize), text: line, font: 'bold', size: c.titleSize, color: ctx.colors.ink })),
    ...termLines.map((line, i): Box => ({ t: 'text', x, y: y + termsY + i * lineHeight(c.detailSize), text: line, font: 'regular', size: c.detailSize, color: ctx.colors.muted })),
  ]
  return { h, draw }
}

function frame(ctx: LayoutCtx, x: number, y: number, w: number, h: number): Box[] {
  const c = ctx.t.coupons
  return [
    { t: 'rect', x, y, w, h, stroke: ctx.colors.cut, lineWidth: 0.9, dash: c.dash },
    { t: 'rect', x: x + 12, y: y - 6, w: 18, h: 12, fill: ctx.colors.paper },
    { t: 'scissors', x: x + 15, y: y - 5, size: 11, color: ctx.colors.cut },
  ]
}

function codeWithText(ctx: LayoutCtx, code: string, x: number, y: number, w: number): Box[] {
  const b = ctx.t.barcode
  return [
    { t: 'barcode', x, y, w, h: b.height, symbology: 'code128', data: code },
    textCenter(ctx, formatCode(code), 'mono', b.hriSize, x + w / 2, y + b.height + 2, ctx.colors.ink),
  ]
}

function storeCoupon(ctx: LayoutCtx, offer: OfferInstance, width: number): CouponBlock {
  const { padding: pad } = ctx.t.coupons
  const b = ctx.t.barcode
  const text = couponText(ctx, offer, ctx.s.storeCoupon, width - 2 * pad)
  const codeH = b.height + 2 + lineHeight(b.hriSize)
  return {
    h: pad + text.h + 8 + codeH + pad - 2,
    fullWidth: false,
    draw: (x, y, w, h) => [
      ...frame(ctx, x, y, w, h),
      ...text.draw(x + pad, y + pad),
      ...codeWithText(ctx, offer.code, x + pad, y + h - pad + 2 - codeH, w - 2 * pad),
    ],
  }
}

function manufacturerCoupon(ctx: LayoutCtx, offer: OfferInstance, gs1: string, width: number): CouponBlock {
  const { padding: pad } = ctx.t.coupons
  const b = ctx.t.barcode
  const codeW = ctx.t.header.codeBoxWidth - 8
  const text = couponText(ctx, offer, ctx.s.manufacturerCoupon, width - 2 * pad - codeW - 12)
  const codeH = b.height + 2 + lineHeight(b.hriSize)
  const top = Math.max(text.h, codeH + 8)
  const gs1H = b.height + 2 + lineHeight(b.gs1HriSize)
  return {
    h: pad + top + 10 + gs1H + pad - 2,
    fullWidth: true,
    draw: (x, y, w, h) => {
      const gy = y + h - pad + 2 - gs1H
      return [
        ...frame(ctx, x, y, w, h),
        ...text.draw(x + pad, y + pad),
        ...codeWithText(ctx, offer.code, x + w - pad - codeW, y + pad + 4, codeW),
        { t: 'line', x1: x + pad, y1: gy - 6, x2: x + w - pad, y2: gy - 6, stroke: ctx.colors.rule, lineWidth: 0.5 },
        { t: 'barcode', x: x + pad, y: gy, w: w - 2 * pad, h: b.height, symbology: 'databarexpanded', data: gs1 },
        textCenter(ctx, gs1, 'mono', b.gs1HriSize, x + w / 2, gy + b.height + 2, ctx.colors.ink),
      ]
    },
  }
}
