import type { ListSnapshot } from '../lists/list.types.ts'
import type { Colors, FontRole, LayoutTemplate, Strings } from './template.ts'
import type { Measure } from './text-fit.ts'

// The positioned page model between the pure layout and the pdfkit adapter. Coordinates are points
// from the top-left corner of the page (pdfkit's user space); text y is the top of the line box.

export type Symbology = 'code128' | 'databarexpanded'

export type Box =
  | {
      readonly t: 'rect'
      readonly x: number
      readonly y: number
      readonly w: number
      readonly h: number
      readonly fill?: string
      readonly stroke?: string
      readonly lineWidth?: number
      readonly dash?: readonly [number, number]
      readonly radius?: number
    }
  | {
      readonly t: 'line'
      readonly x1: number
      readonly y1: number
      readonly x2: number
      readonly y2: number
      readonly stroke: string
      readonly lineWidth: number
      readonly dash?: readonly [number, number]
    }
  | {
      readonly t: 'text'
      readonly x: number
      readonly y: number
      readonly text: string
      readonly font: FontRole
      readonly size: number
      readonly color: string
    }
  | { readonly t: 'checkbox'; readonly x: number; readonly y: number; readonly size: number; readonly color: string }
  | { readonly t: 'scissors'; readonly x: number; readonly y: number; readonly size: number; readonly color: string }
  | {
      /** A slot for a barcode: the renderer centres the symbol (with its quiet zones) in it. */
      readonly t: 'barcode'
      readonly x: number
      readonly y: number
      readonly w: number
      readonly h: number
      readonly symbology: Symbology
      readonly data: string
    }

export interface PageLayout {
  readonly boxes: readonly Box[]
}

export interface DocLayout {
  readonly pages: readonly PageLayout[]
  /** PDF metadata; the dates make the file bytes reproducible. */
  readonly info: { readonly title: string; readonly author: string; readonly date: Date }
}

/** What every block builder needs: the template, the strings, the measure and the snapshot. */
export interface LayoutCtx {
  readonly t: LayoutTemplate
  readonly s: Strings
  readonly colors: Colors
  readonly m: Measure
  readonly snap: ListSnapshot
  readonly storeName: string
}

/** A block of known height that draws itself at a position and width. */
export interface Block {
  readonly h: number
  draw(x: number, y: number, w: number): Box[]
}

export const lineHeight = (size: number) => size * 1.25

/** A single text line positioned right-aligned to `right` or centred on `cx`. */
export function textRight(ctx: LayoutCtx, text: string, font: FontRole, size: number, right: number, y: number, color: string): Box {
  return { t: 'text', x: right - ctx.m(text, font, size), y, text, font, size, color }
}

export function textCenter(ctx: LayoutCtx, text: string, font: FontRole, size: number, cx: number, y: number, color: string): Box {
  return { t: 'text', x: cx - ctx.m(text, font, size) / 2, y, text, font, size, color }
}
