import type { ContentBlock, ListItem, OfferInstance } from '../lists/list.types.ts'
import { fill, money, rewardTag } from './format.ts'
import { type Block, type Box, type LayoutCtx, lineHeight, textRight } from './layout-model.ts'
import { ellipsize, wrap } from './text-fit.ts'

// Blocks of the list part of the page: aisle headings, items with check boxes, the non-price block
// and the "also need" lines. Heights are computed from the column width before anything is placed.

export function headingBlock(ctx: LayoutCtx, heading: string, continued: boolean): Block {
  const { list } = ctx.t
  const text = continued ? `${heading.toUpperCase()} (${ctx.s.continued})` : heading.toUpperCase()
  return {
    h: list.headingHeight,
    draw: (x, y, w) => {
      const baseY = y + list.headingHeight - 6
      return [
        { t: 'rect', x, y: y + 5, w: 3, h: list.headingSize + 1, fill: ctx.colors.brand },
        { t: 'text', x: x + 8, y: y + 5, text: ellipsize(text, 'bold', list.headingSize, w - 8, ctx.m), font: 'bold', size: list.headingSize, color: ctx.colors.brand },
        { t: 'line', x1: x, y1: baseY, x2: x + w, y2: baseY, stroke: ctx.colors.rule, lineWidth: 0.6 },
      ]
    },
  }
}

/** One item: check box, name and price on the first line; brand, size and why below; coupon tag. */
export function itemBlock(ctx: LayoutCtx, item: ListItem, offer: OfferInstance | undefined, width: number): Block {
  const { list } = ctx.t
  const indent = list.checkbox + 7
  const tag = offer ? rewardTag(offer.reward, ctx.s) : null
  const tagW = tag ? ctx.m(tag, 'bold', list.detailSize - 1) + 8 : 0
  const detail = [[item.brand, item.size].filter(Boolean).join(' · '), item.reason].filter((d) => d !== '').join(' — ')
  const detailLines = wrap(detail, 'italic', list.detailSize, width - indent - (tag ? tagW + 6 : 0), ctx.m, 2)
  const nameH = lineHeight(list.itemSize)
  const detailH = lineHeight(list.detailSize)
  return {
    h: nameH + detailLines.length * detailH + list.rowGap,
    draw: (x, y, w) => {
      const price = item.priceCents === null ? '' : money(item.priceCents, ctx.s)
      const priceW = price ? ctx.m(price, 'regular', list.itemSize) + 8 : 0
      const name = ellipsize(item.name, 'bold', list.itemSize, w - indent - priceW, ctx.m)
      const boxes: Box[] = [
        { t: 'checkbox', x, y: y + 0.5, size: list.checkbox, color: ctx.colors.ink },
        { t: 'text', x: x + indent, y, text: name, font: 'bold', size: list.itemSize, color: ctx.colors.ink },
      ]
      if (price) boxes.push(textRight(ctx, price, 'regular', list.itemSize, x + w, y, ctx.colors.ink))
      detailLines.forEach((line, i) => {
        boxes.push({ t: 'text', x: x + indent, y: y + nameH + i * detailH, text: line, font: 'italic', size: list.detailSize, color: ctx.colors.muted })
      })
      if (tag) {
        const ty = y + nameH - 0.5
        boxes.push({ t: 'rect', x: x + w - tagW, y: ty, w: tagW, h: list.detailSize + 3, fill: ctx.colors.accent, radius: 2 })
        boxes.push(textRight(ctx, tag, 'bold', list.detailSize - 1, x + w - 4, ty + 2, ctx.colors.accentText))
      }
      return boxes
    },
  }
}

/** The non-price block (recipe, tip, store service) on a tinted card across the page. */
export function contentBlock(ctx: LayoutCtx, content: ContentBlock, width: number): Block {
  const c = ctx.t.content
  const inner = width - 2 * c.padding
  const lines = wrap(content.body, 'regular', c.bodySize, inner, ctx.m, 9)
  const bodyH = lineHeight(c.bodySize) * 1.08
  const titleY = c.padding + lineHeight(c.labelSize) + 1
  const bodyY = titleY + lineHeight(c.titleSize) + 3
  return {
    h: bodyY + lines.length * bodyH + c.padding - 2,
    draw: (x, y, w) => {
      const boxes: Box[] = [
        { t: 'rect', x, y, w, h: bodyY + lines.length * bodyH + c.padding - 2, fill: ctx.colors.tint, radius: c.radius },
        { t: 'text', x: x + c.padding, y: y + c.padding, text: ctx.s.contentLabels[content.kind], font: 'bold', size: c.labelSize, color: ctx.colors.brand },
        { t: 'text', x: x + c.padding, y: y + titleY, text: ellipsize(content.title, 'bold', c.titleSize, inner, ctx.m), font: 'bold', size: c.titleSize, color: ctx.colors.ink },
      ]
      lines.forEach((line, i) => {
        boxes.push({ t: 'text', x: x + c.padding, y: y + bodyY + i * bodyH, text: line, font: 'regular', size: c.bodySize, color: ctx.colors.ink })
      })
      return boxes
    },
  }
}

/** "Also need": empty check boxes and writing lines filling `height`, in the list's columns. */
export function notesBlock(ctx: LayoutCtx, height: number): Block | null {
  const { list } = ctx.t
  const rows = Math.min(list.notesMaxLines, Math.floor((height - list.headingHeight) / list.notesLineGap))
  if (!list.notesHeading || rows < list.notesMinLines) return null
  return {
    h: list.headingHeight + rows * list.notesLineGap,
    draw: (x, y, w) => {
      const colW = (w - list.gutter * (list.columns - 1)) / list.columns
      const boxes = headingBlock(ctx, fill(ctx.s.notesHeading, {}), false).draw(x, y, w)
      for (let col = 0; col < list.columns; col++) {
        const cx = x + col * (colW + list.gutter)
        for (let r = 0; r < rows; r++) {
          const ry = y + list.headingHeight + r * list.notesLineGap + 4
          boxes.push({ t: 'checkbox', x: cx, y: ry, size: list.checkbox, color: ctx.colors.rule })
          boxes.push({ t: 'line', x1: cx + list.checkbox + 7, y1: ry + list.checkbox, x2: cx + colW, y2: ry + list.checkbox, stroke: ctx.colors.rule, lineWidth: 0.6 })
        }
      }
      return boxes
    },
  }
}
