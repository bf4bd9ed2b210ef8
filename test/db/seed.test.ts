import { describe, expect, it } from 'vitest'
import { countAll } from '../../src/modules/stats/stats.repository.ts'
import { loadCatalog } from '../../src/modules/seed/catalog.ts'
import { type SeedRun, seedDatabase } from '../../src/modules/seed/seed.service.ts'
import { createTestDb } from '../helpers/db.ts'

const tdb = await createTestDb()

// `pantry seed` without --out: the generated files go through the real importers.
describe('seedDatabase', () => {
  const run: SeedRun = { households: 40, days: 45, seed: 5, end: '2026-04-10', stores: 3 }

  it('loads every generated row through the importers, and a second run changes nothing', async () => {
    const first = await seedDatabase(tdb.ctx, run)
    for (const s of Object.values(first.imports)) expect(s.errors.slice(0, 3)).toEqual([])
    expect(first.storesCreated).toBe(3)
    const counts = await countAll(tdb.db)
    expect(counts.stores).toBe(3)
    expect(counts.products).toBe(loadCatalog().products.length)
    expect(counts.placeholderProducts).toBe(0)
    expect(counts.households).toBe(40)
    expect(counts.cards).toBe(first.imports.households.imported)
    expect(counts.transactions).toBe(first.totals.baskets)
    expect(counts.lines).toBe(first.totals.lines)

    const again = await seedDatabase(tdb.ctx, run)
    expect(again.storesCreated).toBe(0)
    expect(await countAll(tdb.db)).toEqual(counts)
  })
})
