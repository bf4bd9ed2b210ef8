import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { stringify } from 'csv-stringify/sync'
import { Piscina } from 'piscina'
import type { ListSnapshot } from '../lists/list.types.ts'
import type { MergeInput } from './pdf-merge.ts'
import { type RenderTask, type RenderedList, merge, render, safeName } from './render-worker.ts'
import { type Template, loadTemplate } from './template.ts'

export type { RenderedList }

// Renders a cycle's lists on every core: one PDF per household (lists/<store>/<list code>.pdf), one
// print file per store with its households in postal-code order (stores/<store>.pdf) and the mail
// house's manifest.csv in the same order. Snapshots are consumed as an (async) iterable with a
// bounded number of batches in flight, so memory does not grow with the number of households; only
// one small row per list is kept, for sorting the print files.

export interface RenderListsOptions {
  readonly outDir: string
  readonly templateDir?: string
  /** Worker threads; 0 renders in this thread. Default: one per core. */
  readonly threads?: number
  /** Lists per task sent to a worker (amortises the message round trip). */
  readonly batchSize?: number
  /** Called with the number of lists rendered so far. */
  readonly onProgress?: (rendered: number) => void
}

export interface StoreFile {
  readonly storeId: string
  readonly file: string
  readonly lists: number
  readonly pages: number
}

export interface RenderListsResult {
  readonly lists: number
  readonly pages: number
  readonly manifest: string
  readonly storeFiles: readonly StoreFile[]
}

interface Runner {
  render(task: RenderTask): Promise<RenderedList[]>
  merge(input: MergeInput): Promise<number>
  readonly parallel: number
  close(): Promise<void>
}

function createRunner(threads: number): Runner {
  if (threads === 0) {
    return { render, merge: async (i) => merge(i), parallel: 1, close: async () => {} }
  }
  const pool = new Piscina({
    filename: new URL('./render-worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
  })
  return {
    render: (task) => pool.run(task, { name: 'render' }) as Promise<RenderedList[]>,
    merge: (input) => pool.run(input, { name: 'merge' }) as Promise<number>,
    parallel: threads,
    close: () => pool.destroy(),
  }
}

/** Renders every snapshot, then writes the manifest and the store print files. */
export async function renderLists(
  snapshots: Iterable<ListSnapshot> | AsyncIterable<ListSnapshot>,
  opts: RenderListsOptions,
): Promise<RenderListsResult> {
  const template = loadTemplate(opts.templateDir)
  const runner = createRunner(opts.threads ?? availableParallelism())
  try {
    const rows = await renderListFiles(runner, snapshots, template, opts)
    return await printFiles(runner, rows, opts.outDir)
  } finally {
    await runner.close()
  }
}

async function renderListFiles(
  runner: Runner,
  snapshots: Iterable<ListSnapshot> | AsyncIterable<ListSnapshot>,
  template: Template,
  opts: RenderListsOptions,
): Promise<RenderedList[]> {
  const rows: RenderedList[] = []
  const inflight = new Set<Promise<void>>()
  const maxInflight = runner.parallel * 2
  let failure: unknown = null
  const submit = (batch: ListSnapshot[]) => {
    const p: Promise<void> = runner
      .render({ snapshots: batch, outDir: opts.outDir, template })
      .then((done) => {
        rows.push(...done)
        opts.onProgress?.(rows.length)
      })
      .catch((err: unknown) => {
        failure ??= err
      })
      .finally(() => inflight.delete(p))
    inflight.add(p)
  }
  const size = opts.batchSize ?? 8
  let batch: ListSnapshot[] = []
  for await (const snap of snapshots) {
    batch.push(snap)
    if (batch.length < size) continue
    submit(batch)
    batch = []
    while (inflight.size >= maxInflight) await Promise.race(inflight)
    if (failure) break
  }
  if (batch.length > 0 && !failure) submit(batch)
  await Promise.all(inflight)
  if (failure) throw failure
  return rows
}

/** Print order: store, then postal code (missing last), then household. */
export function printOrder(a: RenderedList, b: RenderedList): number {
  return (
    cmp(a.storeId, b.storeId) ||
    cmp(a.postalCode ?? '\uffff', b.postalCode ?? '\uffff') ||
    a.householdId.length - b.householdId.length ||
    cmp(a.householdId, b.householdId)
  )
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

const MANIFEST_COLUMNS = ['list_code', 'household_id', 'card_number', 'name', 'postal_code', 'store_id', 'pages', 'file']

/**
 * Manifest and store print files for lists rendered earlier (a resumed cycle passes the rows of
 * every list of the cycle, rendered in this run or before).
 */
export async function writePrintFiles(rows: readonly RenderedList[], opts: Pick<RenderListsOptions, 'outDir' | 'threads'>) {
  const runner = createRunner(opts.threads ?? availableParallelism())
  try {
    return await printFiles(runner, rows, opts.outDir)
  } finally {
    await runner.close()
  }
}

/** One store's print file from its households' PDFs, in the order given; returns the page count. */
export function mergeStoreFile(input: MergeInput): number {
  return merge(input)
}

async function printFiles(runner: Runner, input: readonly RenderedList[], outDir: string): Promise<RenderListsResult> {
  const rows = [...input].sort(printOrder)
  const manifest = path.join(outDir, 'manifest.csv')
  const csv = stringify(
    rows.map((r) => [r.listCode, r.householdId, r.cardNumber, r.name ?? '', r.postalCode ?? '', r.storeId, r.pages, r.file]),
    { header: true, columns: MANIFEST_COLUMNS },
  )
  mkdirSync(outDir, { recursive: true })
  writeFileSync(`${manifest}.tmp`, csv)
  renameSync(`${manifest}.tmp`, manifest)
  const byStore = new Map<string, RenderedList[]>()
  for (const r of rows) {
    const list = byStore.get(r.storeId)
    if (list) list.push(r)
    else byStore.set(r.storeId, [r])
  }
  const storeFiles = await Promise.all(
    [...byStore].map(async ([storeId, lists]): Promise<StoreFile> => {
      const file = path.join('stores', `${safeName(storeId)}.pdf`)
      const cycle = lists.reduce((min, l) => (l.cycleStart < min ? l.cycleStart : min), lists[0]!.cycleStart)
      const pages = await runner.merge({
        files: lists.map((l) => path.join(outDir, l.file)),
        out: path.join(outDir, file),
        title: `${storeId} lists ${cycle}`,
        date: new Date(`${cycle}T00:00:00Z`),
      })
      return { storeId, file, lists: lists.length, pages }
    }),
  )
  return { lists: rows.length, pages: rows.reduce((s, r) => s + r.pages, 0), manifest, storeFiles }
}
