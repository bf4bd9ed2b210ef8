import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export { gs1CouponElementString, parseGs1Coupon, type Gs1Coupon, type Gs1CouponInput } from './gs1-coupon.ts'

// List and offer codes printed on the lists (see docs/rendering.md, "Codes").
// A code is a kind prefix letter, 13 Crockford base32 characters of randomness (65 bits) and 6
// characters (30 bits) of a truncated HMAC-SHA256 keyed with the server secret, so a mistyped or
// forged code is refused before any database lookup. Crockford's alphabet has no I, L, O or U, so a
// cashier cannot confuse 1/I/L or 0/O; input is normalised the Crockford way (O→0, I/L→1).

export type Secret = string | Uint8Array
/** Source of random bytes; crypto.randomBytes unless a seeded one is injected (tests, replays). */
export type RandomBytes = (size: number) => Uint8Array

export const CODE_PREFIX = { list: 'S', offer: 'C' } as const
export type CodeKind = keyof typeof CODE_PREFIX

export interface VerifiedCode {
  readonly kind: CodeKind
  /** Canonical form: upper case, no separators, as stored and as encoded in the barcode. */
  readonly code: string
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const BODY_CHARS = 13
const CHECK_CHARS = 6
export const CODE_LENGTH = 1 + BODY_CHARS + CHECK_CHARS

const defaultRandom: RandomBytes = (size) => randomBytes(size)

/** A new random list code. */
export function listCode(secret: Secret, rng: RandomBytes = defaultRandom): string {
  return withCheck(secret, CODE_PREFIX.list + base32(rng(9), BODY_CHARS))
}

/** A new random offer-instance code. */
export function offerCode(secret: Secret, rng: RandomBytes = defaultRandom): string {
  return withCheck(secret, CODE_PREFIX.offer + base32(rng(9), BODY_CHARS))
}

/**
 * The code for `seed` (e.g. "2026-11-23/household 42/offer 3"): the same secret and seed always give
 * the same code, so a resumed cycle re-creates the codes of a crashed run; without the secret the
 * body is an HMAC output and as unguessable as a random one.
 */
export function deriveCode(secret: Secret, kind: CodeKind, seed: string): string {
  const body = base32(subkeyHmac(secret, 'derive').update(`${kind}\0${seed}`).digest(), BODY_CHARS)
  return withCheck(secret, CODE_PREFIX[kind] + body)
}

/** The canonical code and its kind when `text` is a genuine code (typed or scanned), else null. */
export function verifyCode(secret: Secret, text: string): VerifiedCode | null {
  const code = normalizeCode(text)
  if (code === null) return null
  const kind = kindOf(code[0]!)
  if (kind === null) return null
  const expected = checkChars(secret, code.slice(0, 1 + BODY_CHARS))
  const actual = code.slice(1 + BODY_CHARS)
  return timingSafeEqual(Buffer.from(expected), Buffer.from(actual)) ? { kind, code } : null
}

/** Groups of four for printing next to the barcode ("S7KQ M3XD 9P2F ZR4T HW0A"). */
export function formatCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1 ')
}

/** Upper case, separators dropped, Crockford aliases mapped; null if not code-shaped. */
export function normalizeCode(text: string): string | null {
  const code = text
    .trim()
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
  if (code.length !== CODE_LENGTH) return null
  for (const ch of code) if (!ALPHABET.includes(ch)) return null
  return code
}

function kindOf(prefix: string): CodeKind | null {
  if (prefix === CODE_PREFIX.list) return 'list'
  if (prefix === CODE_PREFIX.offer) return 'offer'
  return null
}

function withCheck(secret: Secret, head: string): string {
  return head + checkChars(secret, head)
}

function checkChars(secret: Secret, head: string): string {
  return base32(subkeyHmac(secret, 'check').update(head).digest(), CHECK_CHARS)
}

// The numeric serial of the GS1 (8110) coupon field "serial number" (VLI 9 → 15 digits): 10 random
// digits and a 5-digit keyed check. Uniqueness is the database's (offer_instance.gs1_serial UNIQUE):
// with 10^10 bodies a collision is rare but possible, and the caller derives again with a new seed.
const SERIAL_BODY = 10
const SERIAL_CHECK = 5
export const SERIAL_LENGTH = SERIAL_BODY + SERIAL_CHECK

/** A new random serial for a manufacturer coupon. */
export function offerSerial(secret: Secret, rng: RandomBytes = defaultRandom): string {
  return serialWithCheck(secret, digits(rng(8), SERIAL_BODY))
}

/** The serial for `seed`: deterministic per (secret, seed), unguessable without the secret. */
export function deriveSerial(secret: Secret, seed: string): string {
  return serialWithCheck(secret, digits(subkeyHmac(secret, 'serial-derive').update(seed).digest(), SERIAL_BODY))
}

/** True when `serial` is 15 digits whose last 5 are the keyed check of the first 10. */
export function verifySerial(secret: Secret, serial: string): boolean {
  if (!/^\d{15}$/.test(serial)) return false
  const expected = serialCheck(secret, serial.slice(0, SERIAL_BODY))
  return timingSafeEqual(Buffer.from(expected), Buffer.from(serial.slice(SERIAL_BODY)))
}

function serialWithCheck(secret: Secret, body: string): string {
  return body + serialCheck(secret, body)
}

function serialCheck(secret: Secret, body: string): string {
  return digits(subkeyHmac(secret, 'serial-check').update(body).digest(), SERIAL_CHECK)
}

/** `count` decimal digits from the first 8 bytes (2^64 ≫ 10^15, so the modulo bias is negligible). */
function digits(bytes: Uint8Array, count: number): string {
  const n = Buffer.from(bytes.subarray(0, 8)).readBigUInt64BE(0) % 10n ** BigInt(count)
  return n.toString().padStart(count, '0')
}

/**
 * HMAC keyed with a purpose-specific subkey of the secret, so the derivation, the code check and
 * the serial check never share HMAC outputs.
 */
function subkeyHmac(secret: Secret, purpose: Purpose) {
  return createHmac('sha256', subkeyOf(secret, purpose))
}

type Purpose = 'derive' | 'check' | 'serial-derive' | 'serial-check'

// Every scan at every lane checks a code: derive each subkey once per secret, not once per check.
const subkeys = new Map<string, Buffer>()

function subkeyOf(secret: Secret, purpose: Purpose): Buffer {
  const id = `${purpose}:${typeof secret === 'string' ? secret : Buffer.from(secret).toString('base64')}`
  let key = subkeys.get(id)
  if (!key) {
    if (subkeys.size > 64) subkeys.clear()
    key = createHmac('sha256', secret).update(`pantry/codes/${purpose}/v1`).digest()
    subkeys.set(id, key)
  }
  return key
}

/** The first `chars` × 5 bits of `bytes`, most significant first, as Crockford base32. */
function base32(bytes: Uint8Array, chars: number): string {
  let out = ''
  let acc = 0
  let bits = 0
  let i = 0
  while (out.length < chars) {
    if (bits < 5) {
      acc = ((acc << 8) | bytes[i++]!) & 0xffff
      bits += 8
    }
    out += ALPHABET[(acc >> (bits - 5)) & 31]
    bits -= 5
  }
  return out
}
