import { createHash } from 'node:crypto'
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'

// The store's print file: the households' own PDFs concatenated in postal-code order. pdfkit cannot
// import pages, and rendering every list a second time would double the cycle's CPU, so this copies
// the page objects of PDFs that pdfkit wrote (uncompressed object syntax, classic xref table) into
// one file, renumbering references. It reads only what it needs from each file, one file at a time,
// and streams the output, so memory stays flat whatever the number of households.
//
// Structure of the output: Catalog (1) → Pages root (2) → one Pages node per household (the
// household's own, re-parented) → its pages. Identical font dictionaries are written once.

interface PdfObject {
  readonly dict: string
  readonly stream: Buffer | null
}

const REF = /(\d+) 0 R/g
const isLeafFont = (dict: string) => /\/Type \/Font\b/.test(dict) && !/\d+ 0 R/.test(dict)

export interface MergeInput {
  readonly files: readonly string[]
  readonly out: string
  readonly title: string
  /** Written as CreationDate/ModDate: the cycle's date, so the same inputs give the same bytes. */
  readonly date: Date
}

/** Merges `files` (PDFs written by renderPdf) into `out`; returns the number of pages. */
export function mergePdfFiles(input: MergeInput): number {
  const w = new PdfWriter(`${input.out}.tmp-${process.pid}`)
  try {
    const households: number[] = []
    const fonts = new Map<string, number>()
    let pages = 0
    for (const file of input.files) {
      const { node, count } = copyPageTree(readFileSync(file), w, fonts)
      households.push(node)
      pages += count
    }
    w.put(2, `<<\n/Type /Pages\n/Count ${pages}\n/Kids [${households.map((n) => `${n} 0 R`).join(' ')}]\n>>`)
    w.put(1, '<<\n/Type /Catalog\n/Pages 2 0 R\n>>')
    const stamp = pdfDate(input.date)
    const info = w.add(`<<\n/Title ${pdfString(input.title)}\n/Producer (Pantry)\n/CreationDate (${stamp})\n/ModDate (${stamp})\n>>`)
    w.finish(info)
    renameSync(`${input.out}.tmp-${process.pid}`, input.out)
    return pages
  } catch (err) {
    w.abort()
    throw err
  }
}

/** Copies the page tree of one pdfkit PDF; returns its re-parented Pages node number and page count. */
function copyPageTree(pdf: Buffer, w: PdfWriter, fonts: Map<string, number>) {
  const offsets = readXref(pdf)
  const trailer = pdf.toString('latin1', pdf.lastIndexOf('trailer'))
  const rootNum = Number(/\/Root (\d+) 0 R/.exec(trailer)?.[1])
  const pagesNum = Number(/\/Pages (\d+) 0 R/.exec(readObject(pdf, offsets, rootNum).dict)?.[1])
  if (!pagesNum) throw new Error('not a pdfkit PDF: no page tree')
  // Number every object reachable from the page tree first, so references can be rewritten as
  // objects are copied.
  const renum = new Map<number, number>()
  const order: number[] = []
  const objects = new Map<number, PdfObject>()
  const queue = [pagesNum]
  while (queue.length > 0) {
    const num = queue.shift()!
    if (renum.has(num)) continue
    const obj = readObject(pdf, offsets, num)
    objects.set(num, obj)
    const shared = isLeafFont(obj.dict) ? fonts.get(obj.dict) : undefined
    renum.set(num, shared ?? w.reserve())
    if (shared === undefined) order.push(num)
    for (const m of obj.dict.matchAll(REF)) queue.push(Number(m[1]))
  }
  for (const num of order) {
    const obj = objects.get(num)!
    let dict = obj.dict.replace(REF, (_, n: string) => `${renum.get(Number(n))} 0 R`)
    if (num === pagesNum) dict = dict.replace(/^<</, '<<\n/Parent 2 0 R')
    if (isLeafFont(obj.dict)) fonts.set(obj.dict, renum.get(num)!)
    w.put(renum.get(num)!, dict, obj.stream)
  }
  const count = Number(/\/Count (\d+)/.exec(objects.get(pagesNum)!.dict)?.[1])
  return { node: renum.get(pagesNum)!, count }
}

function readXref(pdf: Buffer): number[] {
  const start = Number(/startxref\s+(\d+)/.exec(pdf.toString('latin1', pdf.length - 64))?.[1])
  const head = /^xref\s+0 (\d+)\s+/.exec(pdf.toString('latin1', start, start + 32))
  if (!head) throw new Error('not a pdfkit PDF: no classic xref table')
  const size = Number(head[1])
  const table = pdf.toString('latin1', start + head[0].length, start + head[0].length + size * 20)
  const offsets: number[] = []
  for (let i = 0; i < size; i++) offsets.push(Number(table.slice(i * 20, i * 20 + 10)))
  return offsets
}

function readObject(pdf: Buffer, offsets: readonly number[], num: number): PdfObject {
  const at = offsets[num]
  if (at === undefined || at === 0) throw new Error(`object ${num} missing`)
  const bodyStart = pdf.indexOf('obj\n', at, 'latin1') + 4
  const end = pdf.indexOf('\nendobj', bodyStart, 'latin1')
  const streamAt = pdf.indexOf('\nstream\n', bodyStart, 'latin1')
  if (streamAt === -1 || streamAt > end) return { dict: pdf.toString('latin1', bodyStart, end), stream: null }
  const dict = pdf.toString('latin1', bodyStart, streamAt)
  const length = Number(/\/Length (\d+)/.exec(dict)?.[1])
  const dataStart = streamAt + 8
  return { dict, stream: pdf.subarray(dataStart, dataStart + length) }
}

/** Sequential object writer with an xref table and an MD5 of the bytes as the file ID. */
class PdfWriter {
  private readonly fd: number
  private readonly path: string
  private readonly hash = createHash('md5')
  private readonly offsets: number[] = []
  private pos = 0
  private next = 3

  constructor(path: string) {
    this.path = path
    this.fd = openSync(path, 'w')
    this.write('%PDF-1.3\n%\xFF\xFF\xFF\xFF\n')
  }

  reserve(): number {
    return this.next++
  }

  add(dict: string): number {
    const num = this.reserve()
    this.put(num, dict)
    return num
  }

  put(num: number, dict: string, stream: Buffer | null = null): void {
    this.offsets[num] = this.pos
    this.write(`${num} 0 obj\n${dict}`)
    if (stream) {
      this.write('\nstream\n')
      this.write(stream)
      this.write('\nendstream')
    }
    this.write('\nendobj\n')
  }

  finish(info: number): void {
    const xref = this.pos
    const lines = [`xref\n0 ${this.next}\n0000000000 65535 f \n`]
    for (let i = 1; i < this.next; i++) lines.push(`${String(this.offsets[i] ?? 0).padStart(10, '0')} 00000 n \n`)
    this.write(lines.join(''))
    const id = this.hash.copy().digest('hex')
    this.write(`trailer\n<<\n/Size ${this.next}\n/Root 1 0 R\n/Info ${info} 0 R\n/ID [<${id}> <${id}>]\n>>\nstartxref\n${xref}\n%%EOF\n`)
    closeSync(this.fd)
  }

  abort(): void {
    try {
      closeSync(this.fd)
    } catch {
      // already closed by finish()
    }
    rmSync(this.path, { force: true })
  }

  private write(data: string | Buffer): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data
    this.hash.update(buf)
    let done = 0
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done)
    this.pos += buf.length
  }
}

function pdfDate(d: Date): string {
  return `D:${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`
}

function pdfString(s: string): string {
  return `(${s.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?')})`
}
