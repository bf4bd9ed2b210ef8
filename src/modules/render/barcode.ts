import bwipjs from 'bwip-js'
import type { Symbology } from './layout-model.ts'

// Barcodes as vectors: bwip-js's raw encoder output (bar/space widths in modules) turned straight
// into PDF rectangle operators, one filled path per symbol on a white background that includes the
// quiet zones. No bitmap, no PNG round trip: encoding is the only bwip-js work per code, and the
// drawing is a short string of `re` operators. Nothing is cached: every list and offer code is
// unique, so a symbol is never drawn twice.

/** A linear symbol: bar positions and widths in modules, and its width without quiet zones. */
export interface Bars {
  readonly modules: number
  /** Pairs of (offset, width) in modules, one pair per bar. */
  readonly bars: readonly number[]
}

export type BarSource = (symbology: Symbology, data: string) => Bars

export interface BarcodeGeometry {
  readonly moduleWidth: number
  readonly minModuleWidth: number
  readonly quietZoneModules: number
}

/**
 * Encodes with bwip-js (GS1 lint on for DataBar Expanded: a bad (8110) string throws here, before
 * anything is printed).
 */
export const encodeBars: BarSource = (symbology, data) => {
  const raw = bwipjs.raw(symbology, data, {})[0]
  if (!raw || !('sbs' in raw)) throw new Error(`${symbology}: not a linear symbol`)
  const bars: number[] = []
  let x = 0
  raw.sbs.forEach((width, i) => {
    if (i % 2 === 0 && width > 0) bars.push(x, width)
    x += width
  })
  return { modules: x, bars }
}

/**
 * PDF operators drawing `bars` centred in the slot (x, y, w, h), y down as in pdfkit's user space.
 * The module width is the template's, narrowed to fit the slot but never below the minimum a lane
 * scanner reads; the white background spans the quiet zones.
 */
export function barcodeOps(b: Bars, x: number, y: number, w: number, h: number, g: BarcodeGeometry): string {
  const total = b.modules + 2 * g.quietZoneModules
  const mw = Math.min(g.moduleWidth, w / total)
  if (mw < g.minModuleWidth) {
    throw new Error(`barcode of ${b.modules} modules does not fit ${w.toFixed(1)} pt at ${g.minModuleWidth} pt per module`)
  }
  const x0 = x + (w - total * mw) / 2
  const left = x0 + g.quietZoneModules * mw
  const parts = [`q 1 1 1 rg ${n(x0)} ${n(y)} ${n(total * mw)} ${n(h)} re f 0 0 0 rg`]
  for (let i = 0; i < b.bars.length; i += 2) {
    parts.push(`${n(left + b.bars[i]! * mw)} ${n(y)} ${n(b.bars[i + 1]! * mw)} ${n(h)} re`)
  }
  parts.push('f Q')
  return parts.join('\n')
}

/** Fixed 3-decimal numbers: compact, and the same bytes on every run. */
function n(v: number): string {
  return String(Math.round(v * 1000) / 1000)
}
