import PDFDocument from 'pdfkit'
import type { LayoutTemplate } from './template.ts'
import type { Measure } from './text-fit.ts'

/**
 * Text widths from pdfkit's own metrics for the template's standard fonts (AFM files shipped with
 * pdfkit), so the pure layout wraps exactly as pdfkit sets the text, on any machine. Widths are
 * memoised: list pages repeat the same words and sizes a lot.
 */
export function pdfkitMeasure(fonts: LayoutTemplate['fonts']): Measure {
  const doc = new PDFDocument({ autoFirstPage: false })
  const cache = new Map<string, number>()
  return (text, role, size) => {
    const key = `${role}\u0000${size}\u0000${text}`
    let w = cache.get(key)
    if (w === undefined) {
      w = doc.font(fonts[role]).fontSize(size).widthOfString(text)
      if (cache.size > 50_000) cache.clear()
      cache.set(key, w)
    }
    return w
  }
}
