/**
 * Gradient-boosted regression trees for a binary outcome (logistic loss), grown leaf-wise on
 * feature histograms: the algorithm of LightGBM (Ke et al. 2017) without its sampling tricks, so
 * a fit is a deterministic function of its rows. Written here because Node has no maintained
 * boosting library (the npm ones are unmaintained ports or WebAssembly builds of old XGBoost); the
 * ranker needs a few hundred lines of it, not a framework. Pure.
 */
export interface BoostingOptions {
  readonly rounds: number
  readonly leaves: number
  readonly learningRate: number
  /** Rows a leaf must hold at least (keeps leaves from fitting a handful of households). */
  readonly minLeafRows: number
  /** L2 penalty on leaf values. */
  readonly lambda: number
  /** Histogram bins per feature (bins × features at most 65,536). */
  readonly bins: number
}

export const DEFAULT_BOOSTING: BoostingOptions = { rounds: 100, leaves: 15, learningRate: 0.1, minLeafRows: 100, lambda: 1, bins: 63 }

/** Trees as flat arrays: node i splits on feature[i] at threshold[i] (x ≤ t goes left); a child < 0 is leaf ~child. */
export interface Forest {
  readonly features: number
  readonly base: number
  readonly trees: readonly Tree[]
}

interface Tree {
  readonly feature: Int32Array
  readonly threshold: Float64Array
  readonly left: Int32Array
  readonly right: Int32Array
  readonly value: Float64Array
}

/** Training rows: `x` row-major (rows × features), `y` 0/1. */
export interface TrainingSet {
  readonly x: Float64Array
  readonly y: Uint8Array
  readonly rows: number
  readonly features: number
}

/** Log-odds score of one row (x at `offset` in a row-major array). */
export function predictLogit(forest: Forest, x: ArrayLike<number>, offset = 0): number {
  let s = forest.base
  for (const t of forest.trees) {
    let node = 0
    for (;;) {
      const next = x[offset + t.feature[node]!]! <= t.threshold[node]! ? t.left[node]! : t.right[node]!
      if (next < 0) {
        s += t.value[~next]!
        break
      }
      node = next
    }
  }
  return s
}

export function predictProbability(forest: Forest, x: ArrayLike<number>, offset = 0): number {
  return sigmoid(predictLogit(forest, x, offset))
}

export function trainForest(data: TrainingSet, o: BoostingOptions = DEFAULT_BOOSTING): Forest {
  const { rows: n, features: nf, y } = data
  const { bins, thresholds } = binFeatures(data, o.bins)
  let positives = 0
  for (let i = 0; i < n; i++) positives += y[i]!
  const mean = (positives + 0.5) / (n + 1)
  const base = Math.log(mean / (1 - mean))
  const raw = new Float64Array(n).fill(base)
  const gh = new Float64Array(2 * n)
  const order = new Int32Array(n)
  const scratch = new Int32Array(n)
  const trees: Tree[] = []
  for (let round = 0; round < o.rounds; round++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(raw[i]!)
      gh[2 * i] = p - y[i]!
      gh[2 * i + 1] = Math.max(p * (1 - p), 1e-12)
    }
    for (let i = 0; i < n; i++) order[i] = i
    const tree = growTree({ n, nf, bins, thresholds, gh, order, scratch }, o)
    trees.push(tree.tree)
    for (const leaf of tree.leaves) {
      const v = tree.tree.value[leaf.id]!
      for (let j = leaf.start; j < leaf.end; j++) raw[order[j]!]! += v
    }
  }
  return { features: nf, base, trees }
}

interface Grow {
  readonly n: number
  readonly nf: number
  /** Row-major histogram slots: bins[row × nf + f] = f × nbins + the row's bin of feature f. */
  readonly bins: Uint16Array
  readonly thresholds: readonly Float64Array[]
  /** Gradient and hessian of each row, interleaved: gh[2 × row], gh[2 × row + 1]. */
  readonly gh: Float64Array
  /** Row ids, each leaf a contiguous range of it. */
  readonly order: Int32Array
  readonly scratch: Int32Array
}

interface Leaf {
  id: number
  start: number
  end: number
  g: number
  h: number
  /** Per feature and bin: Σ gradient, Σ hessian, rows (3 numbers each). */
  hist: Float64Array
  split: Split | undefined
  /** Where the leaf hangs in the tree: parent node and side (−1: the root). */
  parent: number
  side: 'left' | 'right'
}

interface Split {
  readonly gain: number
  readonly feature: number
  readonly bin: number
}

const STRIDE = 3
/** Rows sampled to place a feature's bin thresholds. */
const BIN_SAMPLE = 20_000

function growTree(s: Grow, o: BoostingOptions): { tree: Tree; leaves: Leaf[] } {
  const nodes = { feature: [] as number[], threshold: [] as number[], left: [] as number[], right: [] as number[] }
  const root: Leaf = { id: 0, start: 0, end: s.n, g: 0, h: 0, hist: histogram(s, 0, s.n, o.bins), split: undefined, parent: -1, side: 'left' }
  for (let i = 0; i < s.n; i++) {
    root.g += s.gh[2 * i]!
    root.h += s.gh[2 * i + 1]!
  }
  root.split = bestSplit(s, root, o)
  const leaves: Leaf[] = [root]
  while (leaves.length < o.leaves) {
    let best: Leaf | undefined
    for (const l of leaves) if (l.split && (!best || l.split.gain > best.split!.gain)) best = l
    if (!best) break
    const { feature, bin } = best.split!
    const mid = partition(s, best, feature, bin, o.bins)
    const node = nodes.feature.length
    nodes.feature.push(feature)
    nodes.threshold.push(s.thresholds[feature]![bin]!)
    nodes.left.push(0)
    nodes.right.push(0)
    if (best.parent >= 0) nodes[best.side][best.parent] = node
    const left: Leaf = { id: 0, start: best.start, end: mid, g: 0, h: 0, hist: best.hist, split: undefined, parent: node, side: 'left' }
    const right: Leaf = { id: 0, start: mid, end: best.end, g: 0, h: 0, hist: best.hist, split: undefined, parent: node, side: 'right' }
    // Build the smaller child's histogram; the larger one's is the parent's minus it.
    const [small, large] = mid - best.start <= best.end - mid ? [left, right] : [right, left]
    small.hist = histogram(s, small.start, small.end, o.bins)
    large.hist = subtract(best.hist, small.hist)
    for (const c of [left, right]) {
      // Every row is in one bin of feature 0: its bins sum to the leaf's totals.
      for (let b = 0; b < o.bins; b++) {
        c.g += c.hist[b * STRIDE]!
        c.h += c.hist[b * STRIDE + 1]!
      }
      c.split = bestSplit(s, c, o)
    }
    leaves.splice(leaves.indexOf(best), 1, left, right)
  }
  const value = new Float64Array(leaves.length)
  leaves.forEach((l, i) => {
    l.id = i
    value[i] = (-l.g / (l.h + o.lambda)) * o.learningRate
    if (l.parent >= 0) nodes[l.side][l.parent] = ~i
  })
  const tree: Tree = {
    // A tree that never split is one leaf: a node that sends every row to it.
    feature: Int32Array.from(nodes.feature.length ? nodes.feature : [0]),
    threshold: Float64Array.from(nodes.threshold.length ? nodes.threshold : [Number.POSITIVE_INFINITY]),
    left: Int32Array.from(nodes.left.length ? nodes.left : [~0]),
    right: Int32Array.from(nodes.right.length ? nodes.right : [~0]),
    value,
  }
  return { tree, leaves }
}

function histogram(s: Grow, start: number, end: number, nbins: number): Float64Array {
  const hist = new Float64Array(s.nf * nbins * STRIDE)
  const { nf, bins, order, gh } = s
  // Row by row: a row's bins are adjacent and its gradient is read once; the histogram itself
  // (features × bins × 3 numbers, tens of kB) stays in cache.
  for (let j = start; j < end; j++) {
    const row = order[j]!
    const g = gh[2 * row]!
    const h = gh[2 * row + 1]!
    const at = row * nf
    for (let f = 0; f < nf; f++) {
      const k = bins[at + f]! * STRIDE
      hist[k]! += g
      hist[k + 1]! += h
      hist[k + 2]! += 1
    }
  }
  return hist
}

function subtract(parent: Float64Array, child: Float64Array): Float64Array {
  const out = new Float64Array(parent.length)
  for (let i = 0; i < out.length; i++) out[i] = parent[i]! - child[i]!
  return out
}

function bestSplit(s: Grow, leaf: Leaf, o: BoostingOptions): Split | undefined {
  const rows = leaf.end - leaf.start
  if (rows < 2 * o.minLeafRows) return undefined
  const parentScore = (leaf.g * leaf.g) / (leaf.h + o.lambda)
  let best: Split | undefined
  for (let f = 0; f < s.nf; f++) {
    const at = f * o.bins
    let gl = 0, hl = 0, nl = 0
    // Bins past the feature's last threshold hold no rows.
    const last = s.thresholds[f]!.length
    for (let b = 0; b < last; b++) {
      const k = (at + b) * STRIDE
      gl += leaf.hist[k]!
      hl += leaf.hist[k + 1]!
      nl += leaf.hist[k + 2]!
      if (nl < o.minLeafRows) continue
      if (rows - nl < o.minLeafRows) break
      const gr = leaf.g - gl
      const hr = leaf.h - hl
      const gain = (gl * gl) / (hl + o.lambda) + (gr * gr) / (hr + o.lambda) - parentScore
      if (gain > 1e-9 && (!best || gain > best.gain)) best = { gain, feature: f, bin: b }
    }
  }
  return best
}

/** Stable partition of the leaf's rows: bin ≤ `bin` first. Returns where the right part starts. */
function partition(s: Grow, leaf: Leaf, feature: number, bin: number, nbins: number): number {
  const slot = feature * nbins + bin
  let l = leaf.start
  let r = 0
  for (let j = leaf.start; j < leaf.end; j++) {
    const row = s.order[j]!
    if (s.bins[row * s.nf + feature]! <= slot) s.order[l++] = row
    else s.scratch[r++] = row
  }
  s.order.set(s.scratch.subarray(0, r), l)
  return l
}

/**
 * Quantile bins per feature: thresholds t₀ < t₁ < … (at most nbins − 1); a value's bin is the
 * first threshold it does not exceed, past the last one the top bin.
 */
function binFeatures(data: TrainingSet, nbins: number): { bins: Uint16Array; thresholds: Float64Array[] } {
  const { rows: n, features: nf, x } = data
  if (nbins * nf > 65_536) throw new RangeError('too many bins × features')
  const bins = new Uint16Array(nf * n)
  const thresholds: Float64Array[] = []
  // Quantiles from an evenly strided sample of rows: as good as all of them for 63 bins, and a
  // sort of 20,000 values instead of every row's.
  const step = Math.max(1, Math.floor(n / BIN_SAMPLE))
  const sample = new Float64Array(Math.ceil(n / step))
  for (let f = 0; f < nf; f++) {
    let max = Number.NEGATIVE_INFINITY
    for (let i = 0; i < n; i++) max = Math.max(max, x[i * nf + f]!)
    for (let i = 0, j = 0; i < n; i += step, j++) sample[j] = x[i * nf + f]!
    const sorted = sample.slice().sort()
    const m = sorted.length
    const t: number[] = []
    for (let q = 1; q < nbins; q++) {
      const v = sorted[Math.min(m - 1, Math.floor((q * m) / nbins))]!
      if (v < max && (t.length === 0 || v > t[t.length - 1]!)) t.push(v)
    }
    const th = Float64Array.from(t)
    thresholds.push(th)
    for (let i = 0; i < n; i++) bins[i * nf + f] = f * nbins + binOf(th, x[i * nf + f]!)
  }
  return { bins, thresholds }
}

function binOf(t: Float64Array, v: number): number {
  let lo = 0, hi = t.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (v <= t[mid]!) hi = mid
    else lo = mid + 1
  }
  return lo
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z))
}
