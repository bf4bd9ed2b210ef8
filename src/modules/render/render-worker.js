// Entry of the piscina render workers. Worker threads do not get the parent's TypeScript loader
// (not even under `node --import tsx`), so register tsx here, as src/cli/pantry.js does, then load
// the worker module.
import { register } from 'tsx/esm/api'

register()
const worker = await import('./render-worker.ts')

export const render = worker.render
export const merge = worker.merge
export default worker.render
