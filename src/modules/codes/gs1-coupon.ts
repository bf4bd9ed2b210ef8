// GS1 North American paper coupon data, AI (8110), as laid out and linted by BWIPP's
// `lintcouponcode` (research notes §2.1): GCP VLI + prefix, offer code, save value VLI + value,
// 1st purchase requirement VLI + value, requirement code, family code, then optional fields
// 1, 2, 3 (expiry), 4 (start), 5 (serial), 6 (retailer), 9 (misc) in increasing order.

export interface Gs1CouponInput {
  /** GS1 company prefix of the funder (6-12 digits); the clearing house bills it. */
  readonly companyPrefix: string
  /** Offer code (6 digits), usually assigned by the clearing house. */
  readonly offerCode: string
  /** Face value in cents (1-99999). */
  readonly saveValueCents: number
  /** Units to buy (1-99999). */
  readonly purchaseRequirement: number
  /** 0 = units (default); 1-4 and 9 as in the GS1 US guideline. */
  readonly purchaseRequirementCode?: 0 | 1 | 2 | 3 | 4 | 9
  /** Funder's family code (3 digits); '000' when the funder assigns none. */
  readonly familyCode?: string
  /** Last valid day, YYYY-MM-DD. */
  readonly expiresOn: string
  readonly startsOn?: string
  /** 6-15 digits (see offerSerial). */
  readonly serial: string
  /** Adds optional field 9 with the don't-multiply flag set (no doubling at the register). */
  readonly dontMultiply?: boolean
}

export interface Gs1AdditionalPurchase {
  readonly rulesCode?: number
  readonly requirement: number
  readonly requirementCode: number
  readonly familyCode: string
  /** Undefined when the VLI is 9 ("same as the primary company prefix"). */
  readonly companyPrefix?: string
}

export interface Gs1Coupon {
  /** Canonical element string with the AI in parentheses, as bwip-js takes it. */
  readonly elementString: string
  readonly companyPrefix: string
  readonly offerCode: string
  readonly saveValue: number
  readonly purchaseRequirement: number
  readonly purchaseRequirementCode: number
  readonly familyCode: string
  readonly additionalPurchases: readonly Gs1AdditionalPurchase[]
  readonly expiresOn?: string
  readonly startsOn?: string
  readonly serial?: string
  readonly retailerId?: string
  readonly saveValueCode?: number
  readonly appliesToItem?: number
  readonly storeCouponFlag?: number
  readonly dontMultiply?: boolean
}

/** "(8110)…" for bwip-js; throws RangeError naming the field when a value cannot be encoded. */
export function gs1CouponElementString(c: Gs1CouponInput): string {
  const prefix = need('companyPrefix', c.companyPrefix, /^\d{6,12}$/)
  const serial = need('serial', c.serial, /^\d{6,15}$/)
  let data =
    String(prefix.length - 6) +
    prefix +
    need('offerCode', c.offerCode, /^\d{6}$/) +
    vli('saveValueCents', c.saveValueCents) +
    vli('purchaseRequirement', c.purchaseRequirement) +
    String(c.purchaseRequirementCode ?? 0) +
    need('familyCode', c.familyCode ?? '000', /^\d{3}$/) +
    '3' +
    yymmdd('expiresOn', c.expiresOn)
  if (c.startsOn !== undefined) {
    if (c.startsOn > c.expiresOn) throw new RangeError('startsOn: after expiresOn')
    data += '4' + yymmdd('startsOn', c.startsOn)
  }
  data += '5' + String(serial.length - 6) + serial
  // 9: save value code 0 (cents off), applies to the 1st qualifying item, not a store coupon.
  if (c.dontMultiply) data += '90001'
  return `(8110)${data}`
}

/**
 * Reads AI (8110) from what a scanner or decoder returns: "(8110)…", "8110…" (zbarimg --raw), with
 * an AIM symbology identifier (]e0, ]C1), a leading FNC1/GS and GS-separated further AIs. Null when
 * there is no (8110) or its content breaks a GS1 coupon rule.
 */
export function parseGs1Coupon(text: string): Gs1Coupon | null {
  const data = couponData(text)
  return data === null ? null : parseCouponData(data)
}

function couponData(text: string): string | null {
  const s = text
    .trim()
    .replace(/^\][A-Za-z][0-9A-Za-z]/, '')
    .replace(/^[\x1d\xe8]+/, '')
  if (s.startsWith('(')) {
    const m = /\(8110\)([^(\x1d]*)/.exec(s)
    return m ? m[1]! : null
  }
  // Without parentheses a variable-length AI ends at a GS (FNC1) or at the end of the data.
  const segment = s.split(/[\x1d\xe8]/).find((seg) => seg.startsWith('8110'))
  return segment === undefined ? null : segment.slice(4)
}

class Cursor {
  pos = 0
  readonly s: string
  constructor(s: string) {
    this.s = s
  }
  take(n: number): string {
    if (this.pos + n > this.s.length) throw new ParseError()
    const out = this.s.slice(this.pos, this.pos + n)
    this.pos += n
    return out
  }
  int(n: number): number {
    return Number(this.take(n))
  }
  peek(): number | null {
    return this.pos < this.s.length ? Number(this.s[this.pos]) : null
  }
}

class ParseError extends Error {}

function parseCouponData(data: string): Gs1Coupon | null {
  if (!/^\d{1,70}$/.test(data)) return null
  try {
    return readCoupon(new Cursor(data))
  } catch (err) {
    if (err instanceof ParseError) return null
    throw err
  }
}

function readCoupon(c: Cursor): Gs1Coupon {
  const gcpVli = c.int(1)
  if (gcpVli > 6) throw new ParseError()
  const head = {
    companyPrefix: c.take(6 + gcpVli),
    offerCode: c.take(6),
    saveValue: readVli(c),
    purchaseRequirement: readVli(c),
    purchaseRequirementCode: requirementCode(c),
    familyCode: c.take(3),
  }
  const additionalPurchases: Gs1AdditionalPurchase[] = []
  if (c.peek() === 1) additionalPurchases.push(readAdditional(c, true))
  if (c.peek() === 2) additionalPurchases.push(readAdditional(c, false))
  const tail = readOptional(c)
  if (c.pos !== c.s.length) throw new ParseError()
  return { elementString: `(8110)${c.s}`, ...head, additionalPurchases, ...tail }
}

function readOptional(c: Cursor) {
  const out: {
    expiresOn?: string
    startsOn?: string
    serial?: string
    retailerId?: string
    saveValueCode?: number
    appliesToItem?: number
    storeCouponFlag?: number
    dontMultiply?: boolean
  } = {}
  if (c.peek() === 3) out.expiresOn = readDate(c)
  if (c.peek() === 4) {
    out.startsOn = readDate(c)
    if (out.expiresOn !== undefined && out.expiresOn < out.startsOn) throw new ParseError()
  }
  if (c.peek() === 5) {
    c.take(1)
    out.serial = c.take(6 + c.int(1))
  }
  if (c.peek() === 6) {
    c.take(1)
    const v = c.int(1)
    if (v < 1 || v > 7) throw new ParseError()
    out.retailerId = c.take(6 + v)
  }
  if (c.peek() === 9) {
    c.take(1)
    out.saveValueCode = c.int(1)
    if (![0, 1, 2, 5, 6].includes(out.saveValueCode)) throw new ParseError()
    out.appliesToItem = c.int(1)
    out.storeCouponFlag = c.int(1)
    const dm = c.int(1)
    if (out.appliesToItem > 2 || dm > 1) throw new ParseError()
    out.dontMultiply = dm === 1
  }
  return out
}

function readAdditional(c: Cursor, withRules: boolean): Gs1AdditionalPurchase {
  c.take(1)
  const rulesCode = withRules ? c.int(1) : undefined
  if (rulesCode !== undefined && rulesCode > 3) throw new ParseError()
  const requirement = readVli(c)
  const reqCode = requirementCode(c)
  const familyCode = c.take(3)
  const v = c.int(1)
  if (v > 6 && v !== 9) throw new ParseError()
  const companyPrefix = v === 9 ? undefined : c.take(6 + v)
  return {
    ...(rulesCode !== undefined && { rulesCode }),
    requirement,
    requirementCode: reqCode,
    familyCode,
    ...(companyPrefix !== undefined && { companyPrefix }),
  }
}

function requirementCode(c: Cursor): number {
  const code = c.int(1)
  if (code > 4 && code !== 9) throw new ParseError()
  return code
}

function readVli(c: Cursor): number {
  const n = c.int(1)
  if (n < 1 || n > 5) throw new ParseError()
  return c.int(n)
}

function readDate(c: Cursor): string {
  c.take(1)
  const d = c.take(6)
  const iso = `20${d.slice(0, 2)}-${d.slice(2, 4)}-${d.slice(4, 6)}`
  if (!isCalendarDate(iso)) throw new ParseError()
  return iso
}

function isCalendarDate(iso: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return false
  const t = Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10)))
  return new Date(t).toISOString().slice(0, 10) === iso
}

function need(field: string, value: string, re: RegExp): string {
  if (!re.test(value)) throw new RangeError(`${field}: ${JSON.stringify(value)} does not match ${re}`)
  return value
}

function vli(field: string, value: number): string {
  if (!Number.isInteger(value) || value < 1 || value > 99999) throw new RangeError(`${field}: must be an integer 1-99999`)
  const s = String(value)
  return String(s.length) + s
}

function yymmdd(field: string, iso: string): string {
  if (!isCalendarDate(iso) || !iso.startsWith('20')) throw new RangeError(`${field}: not a date 2000-01-01..2099-12-31`)
  return iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10)
}
