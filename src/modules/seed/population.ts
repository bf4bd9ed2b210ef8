// Stores and people of the synthetic chain, "Northwoods Market", a Wisconsin grocer. Names are
// common Wisconsin surnames and US first names; e-mail addresses use example.com (reserved, RFC 2606).

import type { Rng } from './prng.ts'

export interface SeedStore {
  readonly id: string
  readonly name: string
  readonly postalCode: string
  /** Postal codes of the store's catchment area, for its households. */
  readonly catchment: readonly string[]
}

const TOWNS: readonly { city: string; zips: readonly string[] }[] = [
  { city: 'Madison', zips: ['53703', '53704', '53705', '53711', '53713', '53714', '53716', '53717', '53719'] },
  { city: 'Milwaukee', zips: ['53202', '53204', '53207', '53208', '53211', '53215', '53218', '53221'] },
  { city: 'Green Bay', zips: ['54301', '54302', '54303', '54304', '54311', '54313'] },
  { city: 'Eau Claire', zips: ['54701', '54703', '54720'] },
  { city: 'La Crosse', zips: ['54601', '54603', '54650'] },
  { city: 'Appleton', zips: ['54911', '54913', '54914', '54915'] },
  { city: 'Wausau', zips: ['54401', '54403', '54476'] },
  { city: 'Oshkosh', zips: ['54901', '54902', '54904'] },
  { city: 'Janesville', zips: ['53545', '53546', '53548'] },
  { city: 'Racine', zips: ['53402', '53403', '53404', '53405'] },
]

/** Stores S1..Sk; past ten towns the list repeats with a branch number. */
export function buildStores(count: number): SeedStore[] {
  const stores: SeedStore[] = []
  for (let i = 0; i < count; i++) {
    const town = TOWNS[i % TOWNS.length]!
    const branch = Math.floor(i / TOWNS.length)
    stores.push({
      id: `S${i + 1}`,
      name: `Northwoods Market ${town.city}${branch > 0 ? ` ${branch + 1}` : ''}`,
      postalCode: town.zips[branch % town.zips.length]!,
      catchment: town.zips,
    })
  }
  return stores
}

const FIRST = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William',
  'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Daniel', 'Karen', 'Matthew', 'Lisa', 'Anthony',
  'Nancy', 'Mark', 'Sandra', 'Steven', 'Ashley', 'Paul', 'Emily', 'Andrew', 'Michelle', 'Joshua', 'Amanda', 'Kevin',
  'Melissa', 'Brian', 'Laura', 'Eric', 'Rachel', 'Ryan', 'Heather', 'Jacob', 'Nicole', 'Tyler', 'Megan', 'Maria', 'Luis',
  'Mai', 'Tou', 'Fatima', 'Ahmed',
] as const

const LAST = [
  'Schmidt', 'Mueller', 'Johnson', 'Olson', 'Nelson', 'Anderson', 'Peterson', 'Larson', 'Kowalski', 'Nowak', 'Hansen',
  'Jensen', 'Meyer', 'Weber', 'Wagner', 'Becker', 'Schultz', 'Klein', 'Hoffmann', 'Fischer', 'Krueger', 'Lee', 'Vang',
  'Xiong', 'Garcia', 'Martinez', 'Lopez', 'Hernandez', 'Smith', 'Brown', 'Davis', 'Miller', 'Wilson', 'Moore', 'Taylor',
  'Thomas', 'White', 'Harris', 'Thompson', 'Zimmerman', 'Koch', 'Schroeder', 'Lange', 'Wolf', 'Jackson', 'Kaur', 'Khan',
] as const

export interface Person {
  readonly name: string
  readonly email: string
}

/** A household's contact; about one in ten has given no e-mail address. */
export function person(rng: Rng, householdNumber: number): Person {
  const first = rng.pick(FIRST)
  const last = rng.pick(LAST)
  const email = rng.chance(0.1) ? '' : `${first}.${last}${householdNumber}@example.com`.toLowerCase()
  return { name: `${first} ${last}`, email }
}
