import path from 'node:path'
import type { DemoSummary } from '../../modules/demo/demo.service.ts'

// The demo's closing summary: what happened, in numbers, and the files to open.

const n = (x: number) => x.toLocaleString('en-US')
const usd = (cents: number) => `$${(cents / 100).toFixed(2)}`
const rel = (p: string) => {
  const r = path.relative(process.cwd(), p)
  return r.startsWith('..') ? p : r
}

function checkoutLine(s: DemoSummary): string {
  if (s.redemptions === null) return 'redemption API not in this build: skipped'
  if (s.redemptions.length === 0) return 'no list carried an offer: nothing to redeem'
  const ok = s.redemptions.filter((r) => r.status === 'redeemed')
  const refused = s.redemptions.filter((r) => r.status === 'refused')
  const again = refused.map((r) => `${r.offerId}: ${r.reason}`).join(', ')
  return `${ok.length} offers redeemed (${usd(ok.reduce((t, r) => t + r.discountCents, 0))} off); the same offer scanned again is refused (${again || 'none'})`
}

export function demoReport(s: DemoSummary, run: { seconds: number; households: number; dataDir: string }): string {
  const c = s.cycle
  const lines = s.seed.imported.transactions.imported
  const firstStore = c.storeFiles[0]
  const out = [
    '',
    `Pantry demo: Northwoods Market, ${c.storeFiles.length} stores, ${n(run.households)} households`,
    `  history   ${n(lines)} lines imported from CSV; ${n(s.posted)} recent baskets posted through POST /v1/transactions`,
    `  offers    ${s.offers} offers from ${s.funders} funders loaded through PUT /v1/offers`,
    `  cycle     ${c.cycleStart}..${c.cycleEnd}: ${n(c.qualified)} households qualified, ${n(c.control)} held out as control, ` +
      `${n(c.lists)} lists, ${n(c.offers)} offers worth ${usd(c.offerCents)}`,
    `  checkout  ${checkoutLine(s)}`,
    '',
    'Open:',
    ...(firstStore ? [`  ${rel(path.join(c.outDir, firstStore))}    store ${path.basename(firstStore, '.pdf')}'s print file: its lists in mailing order`] : []),
    `  ${rel(path.join(c.outDir, 'lists'))}/      one PDF per household`,
    `  ${rel(path.join(c.outDir, 'manifest.csv'))}    the mail house's manifest`,
    '',
    `Explore: PANTRY_DATA_DIR=${rel(run.dataDir)} npx pantry lists export --cycle ${c.cycleStart} (with DATABASE_URL: its database pantry_demo)`,
    `Done in ${run.seconds.toFixed(1)} s.`,
    '',
  ]
  return out.join('\n')
}
