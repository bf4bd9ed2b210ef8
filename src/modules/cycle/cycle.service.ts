import type { Ctx } from '../../context.ts'
import { withAdvisoryLock } from '../../db/advisory-lock.ts'
import { qualifiedHouseholds } from '../segments/segments.service.ts'
import { loadTemplate } from '../render/template.ts'
import { type ContentLibrary, loadContent, stableUnit } from './content.ts'
import { addDays, nextMonday } from './cycle-dates.ts'
import { type CycleDates, type CycleParams, cycleDates, cycleParams } from './cycle.params.ts'
import { cycleToContinue, cycleTotals, findCycle, insertArms, insertCycle, issuedHouseholds, listArm, markFinished, markIssued } from './cycle.repository.ts'
import { planHouseholds, type PlanSkips, segmentParamsOf } from './cycle-households.ts'
import { loadCatalog, loadFunders, loadOffers } from './cycle-inputs.repository.ts'
import { allocate, type IssueContext, writeChunk } from './cycle-issue.ts'
import { renderCycle } from './cycle-render.ts'

// The biweekly list cycle (docs/cycle.md). Every step is keyed by the cycle's first day and
// idempotent, so the whole run can simply be repeated: (1) the cycle row with its parameters,
// (2) qualified households and their arm, (3) lists and offer instances, chunk by chunk,
// (4) PDFs, (5) print files and manifest, (6) finished. One run per cycle at a time (advisory lock).

export type CyclePhase = 'predict' | 'issue' | 'render'

export interface RunCycleInput {
  readonly start: string
  /** Parameters for a new cycle (an existing one keeps those it was created with). */
  readonly params: CycleParams
  /** Output directory for this run; default: the cycle's own (params.outDir). */
  readonly outDir?: string
  readonly secret: string
  readonly threads?: number
  readonly chunkSize?: number
  readonly onProgress?: (phase: CyclePhase, done: number, total: number) => void
  /** Called after each chunk of lists is committed (tests use it to kill a run halfway). */
  readonly afterChunk?: (chunk: number) => void | Promise<void>
}

export interface CycleSummary {
  readonly cycleStart: string
  readonly cycleEnd: string
  readonly outDir: string
  /** True when the cycle existed before this run (resumed or repeated). */
  readonly existed: boolean
  readonly qualified: number
  readonly control: number
  /** Lists issued in the cycle (all runs) and by this run. */
  readonly lists: number
  readonly listsNew: number
  readonly offers: number
  readonly offerCents: number
  readonly skipped: PlanSkips | null
  readonly rendered: number
  readonly storeFiles: readonly string[]
}

/**
 * The cycle a run without a date means: the oldest unfinished cycle (resume it), else the one after
 * the newest, else the first Monday after today in the chain's zone.
 */
export async function nextCycleStart(ctx: Ctx, p: Pick<CycleParams, 'lengthDays' | 'timeZone'>): Promise<string> {
  const last = await cycleToContinue(ctx.db)
  if (!last) return nextMonday(ctx.now(), p.timeZone)
  if (last.status === 'running') return last.cycle_start
  const row = await findCycle(ctx.db, last.cycle_start)
  const length = cycleParams.safeParse(row?.params).data?.lengthDays ?? p.lengthDays
  return addDays(last.cycle_start, length)
}

/** Runs (or resumes, or repeats) the cycle starting on `input.start`; LockBusyError if one is running. */
export async function runCycle(ctx: Ctx, input: RunCycleInput): Promise<CycleSummary> {
  const log = ctx.log.child({ job: 'list-cycle', cycleStart: input.start })
  return withAdvisoryLock(ctx.db, `cycle:${input.start}`, () => runLocked({ ...ctx, log }, input))
}

async function runLocked(ctx: Ctx, input: RunCycleInput): Promise<CycleSummary> {
  const cycle = await openCycle(ctx, input)
  const { dates, params } = cycle
  ctx.log.info({ existed: cycle.existed, status: cycle.row.status }, 'cycle run started')
  const outDir = input.outDir ?? params.outDir
  // Templates are validated before any work, so a typo fails the run before it starts.
  const content = loadContent()
  const template = loadTemplate()
  const arms = await assignArms(ctx, dates, params, cycle.row)
  const issued = cycle.row.issued === null ? await issueLists(ctx, dates, params, content, input) : { listsNew: 0, skipped: null }
  const onRender = (d: number, t: number) => input.onProgress?.('render', d, t)
  const render = await renderCycle(ctx, dates.start, { outDir, template, threads: input.threads, onProgress: onRender })
  await markFinished(ctx.db, dates.start, ctx.now())
  const totals = await cycleTotals(ctx.db, dates.start)
  const summary: CycleSummary = {
    cycleStart: dates.start,
    cycleEnd: dates.end,
    outDir,
    existed: cycle.existed,
    ...arms,
    lists: totals.lists,
    listsNew: issued.listsNew,
    offers: totals.offers,
    offerCents: totals.offerCents,
    skipped: issued.skipped,
    rendered: render.rendered,
    storeFiles: render.storeFiles,
  }
  ctx.log.info({ ...summary, cycleStart: undefined, storeFiles: undefined }, 'cycle done')
  return summary
}

/** Step 1: the cycle row, created once with its parameters (a later run keeps them). */
async function openCycle(ctx: Ctx, input: RunCycleInput) {
  const before = await findCycle(ctx.db, input.start)
  if (!before) {
    const dates = cycleDates(input.start, input.params)
    await insertCycle(ctx.db, { start: dates.start, end: dates.end, asOf: dates.asOf, params: input.params })
  }
  const row = (await findCycle(ctx.db, input.start))!
  const params = cycleParams.parse(row.params)
  return { row, params, dates: cycleDates(row.cycle_start, params), existed: before !== undefined }
}

/**
 * Step 2: qualified households as of the cycle and their arm, decided by a stable hash of the
 * household and the cycle, so a re-run (or an audit) puts everyone in the same arm. Done once:
 * the counts on the cycle row mark it.
 */
async function assignArms(ctx: Ctx, dates: CycleDates, params: CycleParams, row: { qualified: number | null; control: number | null }) {
  if (row.qualified !== null) return { qualified: row.qualified, control: row.control ?? 0 }
  const qualified = await qualifiedHouseholds(ctx, { asOf: dates.asOf, params: segmentParamsOf(params) })
  const arms = qualified.map((q) => ({ id: q.householdId, arm: inControl(q.externalId, dates.start, params.controlShare) ? ('control' as const) : ('list' as const) }))
  await ctx.db.transaction().execute((trx) => insertArms(trx, dates.start, arms))
  const control = arms.filter((a) => a.arm === 'control').length
  ctx.log.info({ qualified: arms.length, control }, 'qualified households assigned to arms')
  return { qualified: arms.length, control }
}

/** The control arm: sha256 of the household's id and the cycle, as a number in [0, 1), below the share. */
export function inControl(externalId: string, cycleStart: string, share: number): boolean {
  return stableUnit(`control/${externalId}/${cycleStart}`) < share
}

/** Step 3: predict, allocate, write lists in chunks; done when every list-arm household was handled. */
async function issueLists(ctx: Ctx, dates: CycleDates, params: CycleParams, content: ContentLibrary, input: RunCycleInput) {
  const arm = await listArm(ctx.db, dates.start)
  const [catalog, offers, done] = await Promise.all([loadCatalog(ctx.db), loadOffers(ctx.db, dates.start), issuedHouseholds(ctx.db, dates.start)])
  const funders = await loadFunders(ctx.db, [...new Set(offers.map((o) => o.allocation.funderId))])
  const onPredict = (d: number) => input.onProgress?.('predict', d, arm.length)
  // shown from the start: the model is fitted before the first household comes out
  onPredict(0)
  const { plans, skips } = await planHouseholds(ctx, dates, params, { arm, catalog, offers, onProgress: onPredict })
  const ic: IssueContext = { dates, params, secret: input.secret, catalog, offers, funders, content }
  // Over every plan, written or not: the same inputs give the same allocation on a resumed run.
  const assigned = allocate(ic, plans)
  ctx.log.info({ households: plans.length, offered: assigned.size }, 'offers allocated')
  const todo = plans.filter((p) => !done.has(p.household.id))
  const size = input.chunkSize ?? 250
  let listsNew = 0
  for (let i = 0; i < todo.length; i += size) {
    const w = await writeChunk(ctx, ic, todo.slice(i, i + size), assigned)
    listsNew += w.lists
    input.onProgress?.('issue', Math.min(i + size, todo.length), todo.length)
    await input.afterChunk?.(i / size + 1)
  }
  const total = done.size + listsNew
  await markIssued(ctx.db, dates.start, total)
  ctx.log.info({ listsNew, total, ...skips }, 'lists issued')
  return { listsNew, skipped: skips }
}
