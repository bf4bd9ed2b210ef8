import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import type { ContentBlock } from '../lists/list.types.ts'

// The list's data that is not code: aisle headings in store walking order (templates/content/
// aisles.json) and the non-price blocks (templates/content/blocks.json: recipes, tips, store
// services, each tagged). Both are validated when loaded, so a typo fails before a cycle starts.

export const DEFAULT_CONTENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../templates/content')

const aislesFile = z
  .object({
    walkingOrder: z.array(z.string().min(1)).min(1),
    fallback: z.string().min(1),
    rules: z.array(z.object({ aisle: z.string().min(1), tag: z.string().min(1), match: z.array(z.string().min(1)).min(1) }).strict()),
  })
  .strict()
  .superRefine((a, ctx) => {
    const known = new Set(a.walkingOrder)
    if (!known.has(a.fallback)) ctx.addIssue({ code: 'custom', path: ['fallback'], message: 'must be in walkingOrder' })
    a.rules.forEach((r, i) => {
      if (!known.has(r.aisle)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'aisle'], message: 'must be in walkingOrder' })
    })
  })

const blocksFile = z
  .object({
    blocks: z
      .array(
        z
          .object({
            id: z.string().min(1),
            kind: z.enum(['recipe', 'tip', 'service']),
            tags: z.array(z.string().min(1)).min(1),
            title: z.string().min(1).max(120),
            body: z.string().min(1).max(600),
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
  .refine((b) => b.blocks.some((x) => x.tags.includes('default')), 'at least one block must be tagged "default"')

export interface Aisle {
  readonly heading: string
  /** Position in the store's walking order. */
  readonly order: number
  /** Content tag of the aisle ("produce", "pet", …). */
  readonly tag: string | null
}

export interface ContentLibrary {
  aisleOf(category: string | null, subcategory: string | null): Aisle
  readonly blocks: readonly (ContentBlock & { readonly id: string; readonly tags: readonly string[] })[]
}

const globToRegExp = (glob: string) => new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'))
}

function parseOrThrow<T>(schema: z.ZodType<T>, file: string): T {
  const r = schema.safeParse(readJson(file))
  if (r.success) return r.data
  const issue = r.error.issues[0]!
  throw new Error(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`)
}

/** Loads and validates templates/content (or `dir`). */
export function loadContent(dir = DEFAULT_CONTENT_DIR): ContentLibrary {
  const aisles = parseOrThrow(aislesFile, path.join(dir, 'aisles.json'))
  const { blocks } = parseOrThrow(blocksFile, path.join(dir, 'blocks.json'))
  const order = new Map(aisles.walkingOrder.map((a, i) => [a, i]))
  const rules = aisles.rules.map((r) => ({ ...r, patterns: r.match.map(globToRegExp) }))
  const fallback: Aisle = { heading: aisles.fallback, order: order.get(aisles.fallback)!, tag: null }
  const cache = new Map<string, Aisle>()
  return {
    aisleOf(category, subcategory) {
      const key = `${category ?? ''}/${subcategory ?? ''}`.toUpperCase()
      let hit = cache.get(key)
      if (!hit) {
        const rule = rules.find((r) => r.patterns.some((p) => p.test(key)))
        hit = rule ? { heading: rule.aisle, order: order.get(rule.aisle)!, tag: rule.tag } : fallback
        cache.set(key, hit)
      }
      return hit
    },
    blocks,
  }
}

/** A number in [0, 1) from text: stable across runs and machines. */
export function stableUnit(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32
}

/**
 * The block that fits the household best: most tags in common, a tag from its inferred attributes
 * (pet, baby, produce) counting double; ties rotate by a hash of the cycle and household, so
 * neighbours and successive cycles do not all get the same one. Nothing in common: a "default" block.
 */
export function chooseContent(lib: ContentLibrary, tags: { attributes: readonly string[]; aisles: readonly string[] }, seed: string): ContentBlock {
  const attr = new Set(tags.attributes)
  const aisles = new Set(tags.aisles)
  const scored = lib.blocks.map((b) => ({ b, score: b.tags.reduce((s, t) => s + (attr.has(t) ? 2 : aisles.has(t) ? 1 : 0), 0) }))
  const best = Math.max(...scored.map((x) => x.score))
  const pool = best > 0 ? scored.filter((x) => x.score === best).map((x) => x.b) : lib.blocks.filter((b) => b.tags.includes('default'))
  const b = pool[Math.floor(stableUnit(seed) * pool.length)]!
  return { kind: b.kind, title: b.title, body: b.body }
}
