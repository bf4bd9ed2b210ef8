import { parseGs1Coupon, type Secret, verifyCode, verifySerial } from '../codes/codes.ts'

// What the scanner read, sorted out before any database lookup: a list code, an offer code, a GS1
// (8110) coupon carrying one of our serials, or something we refuse outright. The HMAC check of
// our codes and the keyed check digits of our GS1 serials mean that a forged or mistyped scan
// never reaches the database.

export type Scan =
  | { readonly kind: 'list'; readonly text: string; readonly code: string }
  | { readonly kind: 'offer'; readonly text: string; readonly code: string }
  | {
      readonly kind: 'gs1'
      readonly text: string
      /** The canonical element string, "(8110)…": what the answer calls this scan. */
      readonly code: string
      readonly serial: string
      readonly companyPrefix: string
      readonly offerCode: string
    }
  | { readonly kind: 'invalid'; readonly text: string; readonly code: string }

/** Classifies every scan; a scan repeated (in any spelling) counts once. */
export function classifyScans(secret: Secret, texts: readonly string[]): Scan[] {
  const seen = new Set<string>()
  const out: Scan[] = []
  for (const text of texts) {
    const scan = classifyScan(secret, text)
    if (seen.has(scan.code)) continue
    seen.add(scan.code)
    out.push(scan)
  }
  return out
}

export function classifyScan(secret: Secret, text: string): Scan {
  const verified = verifyCode(secret, text)
  if (verified) return verified.kind === 'list' ? { kind: 'list', text, code: verified.code } : { kind: 'offer', text, code: verified.code }
  const coupon = text.includes('8110') ? parseGs1Coupon(text) : null
  // A GS1 coupon without our keyed serial is a manufacturer's paper coupon we did not issue.
  if (coupon?.serial !== undefined && verifySerial(secret, coupon.serial)) {
    return {
      kind: 'gs1',
      text,
      code: coupon.elementString,
      serial: coupon.serial,
      companyPrefix: coupon.companyPrefix,
      offerCode: coupon.offerCode,
    }
  }
  return { kind: 'invalid', text, code: text.trim() }
}
