import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { threadId } from 'node:worker_threads'
import type { ListSnapshot } from '../lists/list.types.ts'
import { layoutList } from './layout.ts'
import { pdfkitMeasure } from './metrics.ts'
import { type MergeInput, mergePdfFiles } from './pdf-merge.ts'
import { renderPdf } from './render-pdf.ts'
import type { Template } from './template.ts'
import type { Measure } from './text-fit.ts'

// Work done on each core: snapshot → layout → PDF file, and the store print-file merges. Runs inside
// piscina worker threads (through render-worker.js, which registers tsx) or in-process.

/** One rendered list: a manifest row for the mail house plus what the print files need. */
export interface RenderedList {
  readonly listCode: string
  readonly householdId: string
  readonly cardNumber: string
  readonly name: string | null
  readonly postalCode: string | null
  readonly storeId: string
  readonly cycleStart: string
  readonly pages: number
  /** Path relative to the output directory. */
  readonly file: string
}

export interface RenderTask {
  readonly snapshots: readonly ListSnapshot[]
  readonly outDir: string
  /** Loaded and validated once by the caller; workers never import the schema (zod) code. */
  readonly template: Template
}

const measures = new Map<string, Measure>()

/** One memoising measure per font set, kept across tasks (each task carries a fresh template copy). */
function measureFor(tpl: Template): Measure {
  const key = JSON.stringify(tpl.layout.fonts)
  let m = measures.get(key)
  if (!m) measures.set(key, (m = pdfkitMeasure(tpl.layout.fonts)))
  return m
}

/** File of a list, relative to the output directory: deterministic from the snapshot. */
export function listFile(snap: ListSnapshot): string {
  return path.join('lists', safeName(snap.store.id), `${safeName(snap.listCode)}.pdf`)
}

export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_')
}

export async function render(task: RenderTask): Promise<RenderedList[]> {
  const tpl = task.template
  const measure = measureFor(tpl)
  const out: RenderedList[] = []
  for (const snap of task.snapshots) {
    const layout = layoutList(snap, tpl, measure)
    const pdf = await renderPdf(layout, tpl.layout).catch((err: unknown) => {
      // Name the list: a bad GS1 string fails bwip-js's coupon lint here, inside a batch.
      throw new Error(`list ${snap.listCode} (household ${snap.household.householdId}): ${(err as Error).message}`, { cause: err })
    })
    const file = listFile(snap)
    writeAtomic(path.join(task.outDir, file), pdf)
    const h = snap.household
    out.push({
      listCode: snap.listCode,
      householdId: h.householdId,
      cardNumber: h.cardNumber,
      name: h.name,
      postalCode: h.postalCode,
      storeId: snap.store.id,
      cycleStart: snap.cycleStart,
      pages: layout.pages.length,
      file,
    })
  }
  return out
}

export function merge(input: MergeInput): number {
  mkdirSync(path.dirname(input.out), { recursive: true })
  return mergePdfFiles(input)
}

const madeDirs = new Set<string>()

/** Write then rename, so a crash never leaves a truncated PDF under the final name. */
function writeAtomic(file: string, data: Buffer): void {
  const dir = path.dirname(file)
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true })
    madeDirs.add(dir)
  }
  const tmp = `${file}.tmp-${process.pid}-${threadId}`
  writeFileSync(tmp, data)
  renameSync(tmp, file)
}

export default render
