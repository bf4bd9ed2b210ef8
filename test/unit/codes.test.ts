import { createHash } from 'node:crypto'
import bwipjs from 'bwip-js'
import { describe, expect, it } from 'vitest'
import {
  CODE_LENGTH,
  type RandomBytes,
  deriveCode,
  deriveSerial,
  formatCode,
  gs1CouponElementString,
  listCode,
  offerCode,
  offerSerial,
  parseGs1Coupon,
  verifyCode,
  verifySerial,
} from '../../src/modules/codes/codes.ts'

const SECRET = 'test-secret-0123456789abcdef'
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

function seededRng(seed: string): RandomBytes {
  let counter = 0
  return (size) => createHash('sha256').update(`${seed}/${counter++}`).digest().subarray(0, size)
}

describe('list and offer codes', () => {
  it('round-trips: a fresh code verifies with its kind, in typed forms too', () => {
    const l = listCode(SECRET)
    const o = offerCode(SECRET)
    expect(l).toHaveLength(CODE_LENGTH)
    expect(verifyCode(SECRET, l)).toEqual({ kind: 'list', code: l })
    expect(verifyCode(SECRET, o)).toEqual({ kind: 'offer', code: o })
    // What a cashier types: grouped, lower case, O for 0 and l for 1.
    const typed = formatCode(o).toLowerCase().replace(/0/g, 'o').replace(/1/g, 'l')
    expect(verifyCode(SECRET, typed)).toEqual({ kind: 'offer', code: o })
  })

  it('uses only Crockford characters, which Code 128 carries as they are', () => {
    for (let i = 0; i < 50; i++) expect(offerCode(SECRET)).toMatch(/^C[0-9A-HJKMNP-TV-Z]{19}$/)
  })

  it('refuses every single-character substitution', () => {
    const code = offerCode(SECRET, seededRng('flip'))
    for (let i = 0; i < code.length; i++) {
      for (const ch of ALPHABET) {
        if (ch === code[i]) continue
        const forged = code.slice(0, i) + ch + code.slice(i + 1)
        expect(verifyCode(SECRET, forged), `${forged} (position ${i})`).toBeNull()
      }
    }
  })

  it('refuses codes checked with another secret, truncated or padded codes and junk', () => {
    const code = listCode(SECRET)
    expect(verifyCode('another-secret-0123456789', code)).toBeNull()
    expect(verifyCode(SECRET, code.slice(0, -1))).toBeNull()
    expect(verifyCode(SECRET, code + '0')).toBeNull()
    expect(verifyCode(SECRET, 'U'.repeat(CODE_LENGTH))).toBeNull()
    expect(verifyCode(SECRET, '')).toBeNull()
  })

  it('a seeded rng gives reproducible codes; crypto ones differ', () => {
    expect(listCode(SECRET, seededRng('a'))).toBe(listCode(SECRET, seededRng('a')))
    expect(listCode(SECRET, seededRng('a'))).not.toBe(listCode(SECRET, seededRng('b')))
    expect(listCode(SECRET)).not.toBe(listCode(SECRET))
  })

  it('derives the same code per (secret, kind, seed) and a different one otherwise', () => {
    const seed = '2026-11-23/42/offer/3'
    const code = deriveCode(SECRET, 'offer', seed)
    expect(deriveCode(SECRET, 'offer', seed)).toBe(code)
    expect(verifyCode(SECRET, code)).toEqual({ kind: 'offer', code })
    expect(deriveCode(SECRET, 'offer', '2026-11-23/42/offer/4')).not.toBe(code)
    expect(deriveCode('another-secret-0123456789', 'offer', seed)).not.toBe(code)
    expect(deriveCode(SECRET, 'list', seed).slice(1)).not.toBe(code.slice(1))
  })
})

describe('GS1 coupon serials', () => {
  it('round-trips and refuses any changed digit', () => {
    const serial = offerSerial(SECRET, seededRng('serial'))
    expect(serial).toMatch(/^\d{15}$/)
    expect(verifySerial(SECRET, serial)).toBe(true)
    for (let i = 0; i < serial.length; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === serial[i]) continue
        expect(verifySerial(SECRET, serial.slice(0, i) + d + serial.slice(i + 1))).toBe(false)
      }
    }
  })

  it('derives deterministically per seed', () => {
    expect(deriveSerial(SECRET, 'x')).toBe(deriveSerial(SECRET, 'x'))
    expect(deriveSerial(SECRET, 'x')).not.toBe(deriveSerial(SECRET, 'y'))
    expect(verifySerial(SECRET, deriveSerial(SECRET, 'x'))).toBe(true)
  })
})

describe('GS1 (8110) coupon element strings', () => {
  const input = {
    companyPrefix: '0614141',
    offerCode: '654321',
    saveValueCents: 150,
    purchaseRequirement: 2,
    expiresOn: '2026-12-06',
    serial: deriveSerial(SECRET, 'gs1'),
  }

  it('passes bwip-js GS1 coupon lint and parses back to its fields', () => {
    for (const extra of [{}, { dontMultiply: true }, { startsOn: '2026-11-23', familyCode: '123' }]) {
      const s = gs1CouponElementString({ ...input, ...extra })
      expect(() => bwipjs.raw('databarexpanded', s, '')).not.toThrow()
      const parsed = parseGs1Coupon(s)
      expect(parsed).toMatchObject({
        elementString: s,
        companyPrefix: input.companyPrefix,
        offerCode: input.offerCode,
        saveValue: 150,
        purchaseRequirement: 2,
        purchaseRequirementCode: 0,
        expiresOn: '2026-12-06',
        serial: input.serial,
      })
    }
  })

  it('encodes the worked example of the research notes field by field', () => {
    const s = gs1CouponElementString({
      companyPrefix: '0614141',
      offerCode: '654321',
      saveValueCents: 250,
      purchaseRequirement: 1,
      familyCode: '120',
      expiresOn: '2014-01-31',
      serial: '123456',
    })
    expect(s).toBe('(8110)' + '1' + '0614141' + '654321' + '3250' + '11' + '0' + '120' + '3140131' + '50123456')
  })

  it('reads what lane scanners send: bare, AIM-prefixed, FNC1/GS-separated', () => {
    const s = gs1CouponElementString(input)
    const bare = s.replace('(8110)', '8110')
    for (const sent of [bare, `]e0${bare}`, `\x1d${bare}`, `]C1${bare}\x1d2101`, `(01)09501101530003${s}`, ` ${s}\n`]) {
      expect(parseGs1Coupon(sent)?.elementString, JSON.stringify(sent)).toBe(s)
    }
  })

  it('refuses what the bwip-js linter refuses (mutation cross-check)', () => {
    const s = gs1CouponElementString({ ...input, dontMultiply: true, startsOn: '2026-11-23' })
    const data = s.slice(6)
    let refused = 0
    for (let i = 0; i < data.length; i++) {
      for (const d of ['0', '3', '7', '9']) {
        const mutated = `(8110)${data.slice(0, i)}${d}${data.slice(i + 1)}`
        const bwipOk = lintOk(mutated)
        if (!bwipOk) refused++
        expect(parseGs1Coupon(mutated) !== null, mutated).toBe(bwipOk)
      }
      const dropped = `(8110)${data.slice(0, i)}${data.slice(i + 1)}`
      expect(parseGs1Coupon(dropped) !== null, dropped).toBe(lintOk(dropped))
    }
    expect(refused).toBeGreaterThan(20)
  })

  it('throws a RangeError naming the field for values it cannot encode', () => {
    expect(() => gs1CouponElementString({ ...input, companyPrefix: '12345' })).toThrow(/companyPrefix/)
    expect(() => gs1CouponElementString({ ...input, offerCode: '12345a' })).toThrow(/offerCode/)
    expect(() => gs1CouponElementString({ ...input, saveValueCents: 0 })).toThrow(/saveValueCents/)
    expect(() => gs1CouponElementString({ ...input, expiresOn: '2026-02-30' })).toThrow(/expiresOn/)
    expect(() => gs1CouponElementString({ ...input, serial: '1'.repeat(16) })).toThrow(/serial/)
  })
})

function lintOk(elementString: string): boolean {
  try {
    bwipjs.raw('databarexpanded', elementString, '')
    return true
  } catch {
    return false
  }
}
