// Entry of the piscina workers of `pantry import transactions`. Worker threads do not get the
// parent's TypeScript loader, so load the worker module through tsx here. tsx's CommonJS hook
// rather than its ESM one (as src/modules/render/render-worker.js uses): the ESM hook starts a
// loader thread of its own in every worker, which costs about twice the start-up CPU.
import { createRequire } from 'node:module'
import { register } from 'tsx/cjs/api'

register()
const worker = createRequire(import.meta.url)('./transactions-bucket.ts')

export default worker.assembleBucket
