import { existsSync, readdirSync, rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { Piscina } from 'piscina'
import type { Ctx } from '../../context.ts'
import type { ListSnapshot } from '../lists/list.types.ts'
import { type RenderedList, writePrintFiles } from '../render/render-lists.ts'
import { render, type RenderTask, safeName } from '../render/render-worker.ts'
import type { Template } from '../render/template.ts'
import { type ListFileRow, listFiles, markRendered, snapshotsByCode } from './issued-lists.repository.ts'

// Steps 4 and 5 of the cycle: one PDF per issued list that has none yet in the output directory
// (rendered_at unset, or the file is missing there), recorded batch by batch so a killed run
// resumes with the rest; then the per-store print files and the manifest, regenerated from every
// list of the cycle whenever a list was (re)rendered or one of them is missing. The renderer
// module writes each file to a temporary name and renames it.

export interface RenderOptions {
  readonly outDir: string
  readonly template: Template
  /** Worker threads; 0 renders in this thread. Default: one per core. */
  readonly threads?: number
  readonly onProgress?: (done: number, total: number) => void
}

export interface RenderOutcome {
  readonly rendered: number
  readonly lists: number
  readonly printFilesWritten: boolean
  readonly storeFiles: readonly string[]
}

const BATCH = 8

interface Runner {
  render(task: RenderTask): Promise<RenderedList[]>
  readonly parallel: number
  close(): Promise<void>
}

// The renderer's own pool renders and merges in one call; the cycle needs each batch's result to
// record it, so it drives the same worker entry (render-worker.js) itself.
function createRunner(threads: number): Runner {
  if (threads === 0) return { render, parallel: 1, close: async () => {} }
  const pool = new Piscina({ filename: new URL('../render/render-worker.js', import.meta.url).href, minThreads: threads, maxThreads: threads, idleTimeout: 1000 })
  return { render: (task) => pool.run(task, { name: 'render' }) as Promise<RenderedList[]>, parallel: threads, close: () => pool.destroy() }
}

const present = (outDir: string, r: ListFileRow) => r.renderedAt !== null && r.file !== null && r.pages !== null && existsSync(path.join(outDir, r.file))

/** Temporary files a killed run left behind (the renderer writes `<file>.tmp-<pid>-<thread>`, then renames). */
function removeStaleTemporaries(outDir: string): void {
  for (const sub of ['lists', 'stores']) {
    const root = path.join(outDir, sub)
    if (!existsSync(root)) continue
    for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (e.isFile() && /\.tmp-\d+(-\d+)?$/.test(e.name)) rmSync(path.join(e.parentPath, e.name), { force: true })
    }
  }
}

export async function renderCycle(ctx: Ctx, start: string, opts: RenderOptions): Promise<RenderOutcome> {
  removeStaleTemporaries(opts.outDir)
  const rows = await listFiles(ctx.db, start)
  const pending = rows.filter((r) => !present(opts.outDir, r))
  const threads = opts.threads ?? availableParallelism()
  if (pending.length > 0) await renderPending(ctx, pending, threads, opts)
  const storeIds = [...new Set(rows.map((r) => r.storeId))].sort()
  const storeFiles = storeIds.map((s) => path.join('stores', `${safeName(s)}.pdf`))
  const printMissing = rows.length > 0 && [path.join(opts.outDir, 'manifest.csv'), ...storeFiles.map((f) => path.join(opts.outDir, f))].some((f) => !existsSync(f))
  if (pending.length === 0 && !printMissing) return { rendered: 0, lists: rows.length, printFilesWritten: false, storeFiles }
  const done = await listFiles(ctx.db, start)
  await writePrintFiles(done.map(toRendered), { outDir: opts.outDir, threads: Math.min(threads, 2) })
  return { rendered: pending.length, lists: rows.length, printFilesWritten: true, storeFiles }
}

function toRendered(r: ListFileRow): RenderedList {
  const { listCode, householdId, cardNumber, name, postalCode, storeId, cycleStart } = r
  return { listCode, householdId, cardNumber, name, postalCode, storeId, cycleStart, pages: r.pages!, file: r.file! }
}

/** Renders in batches, a bounded number in flight; each finished batch is recorded at once. */
async function renderPending(ctx: Ctx, pending: readonly ListFileRow[], threads: number, opts: RenderOptions): Promise<void> {
  const runner = createRunner(threads)
  const inflight = new Set<Promise<void>>()
  let done = 0
  let failure: unknown = null
  try {
    for (let i = 0; i < pending.length && !failure; i += BATCH) {
      const codes = pending.slice(i, i + BATCH).map((r) => r.listCode)
      const snapshots: ListSnapshot[] = await snapshotsByCode(ctx.db, codes)
      const p: Promise<void> = runner
        .render({ snapshots, outDir: opts.outDir, template: opts.template })
        .then((files) => markRendered(ctx.db, files, ctx.now()))
        .then(() => opts.onProgress?.((done += codes.length), pending.length))
        .catch((err: unknown) => void (failure ??= err))
        .finally(() => inflight.delete(p))
      inflight.add(p)
      while (inflight.size >= runner.parallel * 2) await Promise.race(inflight)
    }
    await Promise.all(inflight)
  } finally {
    await runner.close()
  }
  if (failure) throw failure
}
