import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseGs1Coupon, verifyCode } from '../../src/modules/codes/codes.ts'
import type { ListSnapshot } from '../../src/modules/lists/list.types.ts'
import { layoutList } from '../../src/modules/render/layout.ts'
import type { Box, DocLayout } from '../../src/modules/render/layout-model.ts'
import { pdfkitMeasure } from '../../src/modules/render/metrics.ts'
import { renderLists } from '../../src/modules/render/render-lists.ts'
import { renderPdf } from '../../src/modules/render/render-pdf.ts'
import { DEFAULT_TEMPLATE_DIR, loadTemplate } from '../../src/modules/render/template.ts'
import { FIXTURE_SECRET, makeSnapshot } from '../fixtures/lists.ts'

const tpl = loadTemplate()
const measure = pdfkitMeasure(tpl.layout.fonts)
let dir: string

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pantry-render-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function requireTool(cmd: string, pkg: string): void {
  const r = spawnSync(cmd, ['-v'], { encoding: 'utf8' })
  if (r.error) throw new Error(`${cmd} is required by the render tests and was not found: apt-get install -y ${pkg}`)
}

/** Every barcode zbarimg finds on the pages of `pdf`, rasterised at 300 dpi in grey. */
function decodeBarcodes(pdf: string, pages?: [number, number]): string[] {
  requireTool('pdftoppm', 'poppler-utils')
  requireTool('zbarimg', 'zbar-tools')
  const prefix = path.join(dir, `${path.basename(pdf, '.pdf')}-page`)
  const range = pages ? ['-f', String(pages[0]), '-l', String(pages[1])] : []
  execFileSync('pdftoppm', ['-r', '300', '-gray', ...range, pdf, prefix])
  const images = readdirSync(dir).filter((f) => f.startsWith(path.basename(prefix)) && f.endsWith('.pgm')).sort()
  // zbarimg exits 4 when an image has no symbol; the caller's expectations decide what was needed.
  const r = spawnSync('zbarimg', ['--raw', '-q', ...images.map((f) => path.join(dir, f))], { encoding: 'utf8' })
  for (const f of images) rmSync(path.join(dir, f))
  return r.stdout.split('\n').filter((l) => l !== '')
}

function expectedCodes(snap: ListSnapshot): string[] {
  return [snap.listCode, ...snap.offers.map((o) => o.code), ...snap.offers.flatMap((o) => (o.gs1 ? [o.gs1.replace('(8110)', '8110')] : []))]
}

async function render(snap: ListSnapshot): Promise<Buffer> {
  return renderPdf(layoutList(snap, tpl, measure), tpl.layout)
}

describe('rendered PDF', () => {
  it('carries barcodes that a real decoder reads as exactly the stored codes', async () => {
    const snap = makeSnapshot(0, { offers: 6, items: 18 })
    expect(snap.offers.filter((o) => o.gs1).length).toBeGreaterThanOrEqual(2)
    const file = path.join(dir, 'one.pdf')
    writeFileSync(file, await render(snap))
    const decoded = decodeBarcodes(file)
    expect(decoded.sort()).toEqual(expectedCodes(snap).sort())
    for (const text of decoded) {
      const gs1 = parseGs1Coupon(text)
      if (gs1) expect(snap.offers.map((o) => o.gs1)).toContain(gs1.elementString)
      else expect(verifyCode(FIXTURE_SECRET, text)?.code).toBe(text)
    }
  })

  it('gives the same bytes for the same snapshot', async () => {
    const snap = makeSnapshot(7)
    const a = await render(snap)
    const b = await render(structuredClone(snap))
    expect(a.equals(b)).toBe(true)
    expect(a.subarray(0, 8).toString()).toBe('%PDF-1.3')
  })

  it('prints a list without name, offers or content block on one page', async () => {
    const snap = makeSnapshot(4, { name: null, offers: 0, content: false, items: 12 })
    const layout = layoutList(snap, tpl, measure)
    expect(layout.pages).toHaveLength(1)
    expect(texts(layout).some((t) => t === tpl.strings.preparedForAnyone)).toBe(true)
    const file = path.join(dir, 'plain.pdf')
    writeFileSync(file, await render(snap))
    expect(decodeBarcodes(file)).toEqual([snap.listCode])
  })
})

describe('layout (pure)', () => {
  const bodyBottom = tpl.layout.page.height - tpl.layout.page.margin.bottom - tpl.layout.footer.height

  it('flows a long list onto a second page with continued headings, in aisle order', () => {
    const snap = makeSnapshot(3, { items: 40 })
    const layout = layoutList(snap, tpl, measure)
    const names = itemNames(layout)
    const expected = snap.sections.flatMap((s) => s.items.map((i) => i.name))
    expect(names).toHaveLength(expected.length)
    // Names too long for the column are cut with an ellipsis.
    names.forEach((n, i) => expect(n === expected[i] || (n.endsWith('…') && expected[i]!.startsWith(n.slice(0, -1))), `${n} vs ${expected[i]}`).toBe(true))
    const pageOf = (name: string) => layout.pages.findIndex((p) => p.boxes.some((b) => b.t === 'text' && b.text === name))
    expect(pageOf(names[0]!)).toBe(0)
    expect(pageOf(names[names.length - 1]!)).toBe(1)
    expect(texts(layout).some((t) => t.endsWith(`(${tpl.strings.continued})`))).toBe(true)
    for (const [i, page] of layout.pages.entries()) {
      for (const b of page.boxes.filter((b) => !isFooter(b, bodyBottom))) {
        expect(bottomOf(b), `page ${i + 1}: ${JSON.stringify(b)}`).toBeLessThanOrEqual(bodyBottom)
      }
    }
  })

  it('puts the coupons on a page of their own after the list', () => {
    const snap = makeSnapshot(1, { items: 16, offers: 5 })
    const layout = layoutList(snap, tpl, measure)
    const barcodePages = layout.pages.map((p) => p.boxes.filter((b) => b.t === 'barcode').length)
    expect(barcodePages[0]).toBe(1)
    expect(barcodePages.slice(1).reduce((a, b) => a + b, 0)).toBe(snap.offers.length + snap.offers.filter((o) => o.gs1).length)
    const listPage = layout.pages.findIndex((p) => p.boxes.some((b) => b.t === 'text' && b.text === snap.sections[0]!.items[0]!.name))
    expect(listPage).toBe(0)
  })

  it('sizes barcodes for a lane scanner', () => {
    const layout = layoutList(makeSnapshot(2, { offers: 6 }), tpl, measure)
    for (const b of layout.pages.flatMap((p) => p.boxes)) {
      if (b.t !== 'barcode') continue
      expect(b.h).toBeGreaterThanOrEqual(34) // 12 mm
      const minModules = b.symbology === 'code128' ? 255 : 400
      expect(b.w / (minModules + 2 * tpl.layout.barcode.quietZoneModules)).toBeGreaterThanOrEqual(tpl.layout.barcode.minModuleWidth)
    }
  })
})

describe('renderLists', () => {
  it('writes one PDF per household, store print files in postal-code order and the manifest', async () => {
    const snaps = [0, 1, 2, 3, 4, 5, 6].map((n) => makeSnapshot(n, { storeId: n % 2 ? 'S2' : 'S1', postalCode: String(60690 - n * 3) }))
    const out = path.join(dir, 'cycle')
    const result = await renderLists(snaps, { outDir: out, threads: 2, batchSize: 2 })
    expect(result.lists).toBe(7)
    const rows = parse(readFileSync(result.manifest), { columns: true }) as Record<string, string>[]
    expect(Object.keys(rows[0]!)).toEqual(['list_code', 'household_id', 'card_number', 'name', 'postal_code', 'store_id', 'pages', 'file'])
    const s1 = rows.filter((r) => r.store_id === 'S1')
    expect(s1.map((r) => r.postal_code)).toEqual([...s1.map((r) => r.postal_code)].sort())
    const store = result.storeFiles.find((f) => f.storeId === 'S1')!
    expect(store.pages).toBe(s1.reduce((sum, r) => sum + Number(r.pages), 0))
    // Each household's first page (its list code) in manifest order.
    let page = 1
    for (const r of s1) {
      expect(decodeBarcodes(path.join(out, store.file), [page, page])).toEqual([r.list_code])
      page += Number(r.pages)
    }
    const info = execFileSync('pdfinfo', [path.join(out, store.file)], { encoding: 'utf8' })
    expect(info).toMatch(new RegExp(`Pages:\\s+${store.pages}\\b`))

    // In-process and worker renders, and a second run, give the same bytes.
    const again = path.join(dir, 'cycle-again')
    await renderLists(snaps.slice().reverse(), { outDir: again, threads: 0 })
    for (const f of [store.file, result.storeFiles[1]!.file, 'manifest.csv', ...rows.map((r) => r.file!)]) {
      expect(readFileSync(path.join(again, f)).equals(readFileSync(path.join(out, f))), f).toBe(true)
    }
  })

  it('refuses a list whose GS1 string fails the coupon lint, naming the list', async () => {
    const snap = makeSnapshot(9, { offers: 6 })
    // Month 13 in the expiry field (optional field 3: "3" + YYMMDD).
    const breakExpiry = (gs1: string, iso: string) => gs1.replace(`3${iso.slice(2, 4)}${iso.slice(5, 7)}`, `3${iso.slice(2, 4)}13`)
    const offers = snap.offers.map((o) => (o.gs1 ? { ...o, gs1: breakExpiry(o.gs1, o.expiresOn) } : o))
    expect(offers.some((o, i) => o.gs1 !== snap.offers[i]!.gs1)).toBe(true)
    await expect(renderLists([{ ...snap, offers }], { outDir: path.join(dir, 'bad'), threads: 0 })).rejects.toThrow(
      new RegExp(`list ${snap.listCode}.*GS1coupon`),
    )
  })
})

describe('template', () => {
  it('refuses a layout whose barcodes a lane scanner could not read, naming the field', () => {
    const bad = path.join(dir, 'bad-template')
    cpSync(DEFAULT_TEMPLATE_DIR, bad, { recursive: true })
    const layout = JSON.parse(readFileSync(path.join(bad, 'layout.json'), 'utf8'))
    layout.barcode.minModuleWidth = 0.5
    writeFileSync(path.join(bad, 'layout.json'), JSON.stringify(layout))
    expect(() => loadTemplate(bad)).toThrow(/barcode\.minModuleWidth/)
  })
})

function texts(layout: DocLayout): string[] {
  return layout.pages.flatMap((p) => p.boxes.flatMap((b) => (b.t === 'text' ? [b.text] : [])))
}

/** Item names in reading order: page, then column (x), then top to bottom. */
function itemNames(layout: DocLayout): string[] {
  const size = tpl.layout.list.itemSize
  return layout.pages.flatMap((p) =>
    p.boxes
      .filter((b): b is Extract<Box, { t: 'text' }> => b.t === 'text' && b.font === 'bold' && b.size === size && b.color === tpl.layout.colors.ink)
      .sort((a, b) => Math.round(a.x) - Math.round(b.x) || a.y - b.y)
      .map((b) => b.text),
  )
}

function isFooter(b: Box, bodyBottom: number): boolean {
  return (b.t === 'text' || b.t === 'line') && ('y' in b ? b.y : b.y1) >= bodyBottom
}

function bottomOf(b: Box): number {
  switch (b.t) {
    case 'text':
      return b.y + b.size
    case 'line':
      return Math.max(b.y1, b.y2)
    case 'checkbox':
    case 'scissors':
      return b.y + b.size
    default:
      return b.y + b.h
  }
}
