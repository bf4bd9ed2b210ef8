import PDFDocument from 'pdfkit'
import { type BarSource, barcodeOps, encodeBars } from './barcode.ts'
import type { Box, DocLayout } from './layout-model.ts'
import type { LayoutTemplate } from './template.ts'

// pdfkit adapter: draws a DocLayout. Reproducible bytes: the info dates come from the layout (the
// snapshot's cycle), pdfkit derives the file ID from the info, and the fonts are the standard 14
// (metrics inside pdfkit, nothing read from the machine).

export type Doc = InstanceType<typeof PDFDocument>
export type BarcodeBox = Extract<Box, { t: 'barcode' }>

export interface RenderPdfOptions {
  /** Where barcode bars come from; bwip-js encoding unless precomputed (benchmark floor). */
  readonly bars?: BarSource
  /** Replaces the vector barcode drawing (the benchmark's 1-bit image floor). */
  readonly drawBarcode?: (doc: Doc, box: BarcodeBox) => void
}

/** The PDF of one layout as a Buffer (one household's list: some tens of kB). */
export async function renderPdf(layout: DocLayout, t: LayoutTemplate, opts: RenderPdfOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: [t.page.width, t.page.height],
    margin: 0,
    autoFirstPage: false,
    compress: true,
    info: {
      Title: layout.info.title,
      Author: layout.info.author,
      Creator: 'Pantry',
      Producer: 'PDFKit',
      CreationDate: layout.info.date,
      ModDate: layout.info.date,
    },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  const bars = opts.bars ?? encodeBars
  const drawBarcode =
    opts.drawBarcode ?? ((d: Doc, b: BarcodeBox) => d.addContent(barcodeOps(bars(b.symbology, b.data), b.x, b.y, b.w, b.h, t.barcode)))
  for (const page of layout.pages) {
    doc.addPage()
    for (const box of page.boxes) {
      if (box.t === 'barcode') drawBarcode(doc, box)
      else drawBox(doc, box, t)
    }
  }
  doc.end()
  return done
}

function drawBox(doc: Doc, b: Exclude<Box, BarcodeBox>, t: LayoutTemplate): void {
  switch (b.t) {
    case 'text':
      doc.font(t.fonts[b.font]).fontSize(b.size).fillColor(b.color).text(b.text, b.x, b.y, { lineBreak: false })
      return
    case 'rect':
      drawRect(doc, b)
      return
    case 'line':
      doc.save().lineWidth(b.lineWidth).moveTo(b.x1, b.y1).lineTo(b.x2, b.y2)
      if (b.dash) doc.dash(b.dash[0], { space: b.dash[1] })
      doc.stroke(b.stroke).restore()
      return
    case 'checkbox':
      doc.save().lineWidth(0.8).roundedRect(b.x, b.y, b.size, b.size, 1.5).stroke(b.color).restore()
      return
    case 'scissors':
      drawScissors(doc, b.x, b.y, b.size, b.color)
      return
  }
}

function drawRect(doc: Doc, b: Extract<Box, { t: 'rect' }>): void {
  doc.save()
  if (b.radius) doc.roundedRect(b.x, b.y, b.w, b.h, b.radius)
  else doc.rect(b.x, b.y, b.w, b.h)
  if (b.dash) doc.dash(b.dash[0], { space: b.dash[1] })
  if (b.lineWidth !== undefined) doc.lineWidth(b.lineWidth)
  if (b.fill && b.stroke) doc.fillAndStroke(b.fill, b.stroke)
  else if (b.fill) doc.fill(b.fill)
  else if (b.stroke) doc.stroke(b.stroke)
  doc.restore()
}

/** Open scissors pointing right, in a `size` square: two finger loops and crossed blades. */
function drawScissors(doc: Doc, x: number, y: number, s: number, color: string): void {
  const r = s * 0.16
  doc.save().lineWidth(Math.max(0.7, s * 0.08)).lineCap('round')
  doc.circle(x + r + 0.5, y + s * 0.25, r).circle(x + r + 0.5, y + s * 0.75, r).stroke(color)
  doc
    .moveTo(x + 2 * r + 0.3, y + s * 0.32)
    .lineTo(x + s, y + s * 0.66)
    .moveTo(x + 2 * r + 0.3, y + s * 0.68)
    .lineTo(x + s, y + s * 0.34)
    .stroke(color)
  doc.restore()
}
