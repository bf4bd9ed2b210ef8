import { z } from 'zod'
import { optionalText } from '../catalog/catalog.schemas.ts'

export const MAX_HOUSEHOLDS_PER_PUT = 5_000

export const cardNumber = z.string().trim().min(1).max(64)

export const householdInput = z.object({
  householdId: z.string().trim().min(1).max(128),
  name: optionalText(200),
  // Loose on purpose: catches a shifted CSV column, not every RFC 5321 corner.
  email: optionalText(254).refine((v) => v === null || /^[^\s@]+@[^\s@]+$/.test(v), 'must be an email address'),
  postalCode: optionalText(20),
  optedIn: z.boolean(),
  cards: z.array(cardNumber).max(100).default([]),
})

/** A household as the chain describes it. Cards listed are attached (or moved) to it, never detached. */
export type HouseholdInput = z.output<typeof householdInput>

const householdList = z
  .array(householdInput)
  .max(MAX_HOUSEHOLDS_PER_PUT)
  .superRefine((items, ctx) => {
    // A household or card twice in one batch would be ambiguous (which one wins?): refuse it.
    const ids = new Map<string, number>()
    const cards = new Map<string, string>()
    items.forEach((h, i) => {
      const first = ids.get(h.householdId)
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'householdId'], message: `duplicate of households[${first}].householdId` })
      else ids.set(h.householdId, i)
      h.cards.forEach((c, j) => {
        const where = cards.get(c)
        if (where !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'cards', j], message: `card ${c} is also listed at ${where}` })
        else cards.set(c, `households[${i}].cards[${j}]`)
      })
    })
  })

/** `{ "households": [...] }`, or a bare array. */
export const putHouseholdsBody = z.preprocess((v) => (Array.isArray(v) ? { households: v } : v), z.object({ households: householdList }))

export const householdCounts = z.object({
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  cardsMoved: z.number(),
})
export type HouseholdCounts = z.infer<typeof householdCounts>

export const householdParams = z.object({ householdId: z.string().min(1).max(128) })

export const householdDto = z.object({
  householdId: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  postalCode: z.string().nullable(),
  optedIn: z.boolean(),
  consentChangedAt: z.string().nullable(),
  enrolledVia: z.enum(['import', 'api', 'pos']),
  cards: z.array(z.string()),
  transactions: z.number(),
  lastVisit: z.string().nullable(),
})
export type HouseholdDto = z.infer<typeof householdDto>
