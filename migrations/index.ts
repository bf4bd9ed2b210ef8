import type { Migration } from 'kysely/migration'
import * as foundation from './2026_11_22_0001_foundation.ts'
import * as offers from './2026_11_22_0004_offers.ts'
import * as lists from './2026_11_22_0005_lists.ts'
import * as redemptions from './2026_11_22_0006_redemptions.ts'
import * as cycle from './2026_11_22_0007_cycle.ts'
import * as redeemSettle from './2026_11_22_0008_redeem_settle.ts'
import * as linePartitionRace from './2026_11_22_0009_line_partition_race.ts'
import * as productIndexes from './2026_11_22_0010_product_indexes.ts'

// Every migration, by name. A static list instead of a directory scan, so the same migrations run
// under tsx, vitest and plain Node alike; names sort in the order they apply.
export const migrations: Record<string, Migration> = {
  '2026_11_22_0001_foundation': foundation,
  '2026_11_22_0004_offers': offers,
  '2026_11_22_0005_lists': lists,
  '2026_11_22_0006_redemptions': redemptions,
  '2026_11_22_0007_cycle': cycle,
  '2026_11_22_0008_redeem_settle': redeemSettle,
  '2026_11_22_0009_line_partition_race': linePartitionRace,
  '2026_11_22_0010_product_indexes': productIndexes,
}
