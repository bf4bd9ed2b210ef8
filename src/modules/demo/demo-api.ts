import type { BasketInput } from '../transactions/transactions.schemas.ts'

// The demo talks to Pantry over HTTP, as a POS, the offer team and a checkout lane would: a small
// fetch client with a bearer key, failing loudly on any unexpected status.

export class DemoApi {
  readonly base: string
  constructor(base: string) {
    this.base = base
  }

  async call(method: string, path: string, key: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text === '' ? null : JSON.parse(text) }
  }

  async expect(method: string, path: string, key: string, body: unknown, ok: readonly number[]): Promise<unknown> {
    const r = await this.call(method, path, key, body)
    if (!ok.includes(r.status)) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 500)}`)
    return r.body
  }

  /** Posts baskets in batches (the lanes' offline-queue replay); returns how many were accepted. */
  async postBaskets(key: string, baskets: readonly BasketInput[], batch: number, onProgress?: (done: number) => void): Promise<number> {
    let accepted = 0
    for (let i = 0; i < baskets.length; i += batch) {
      const body = (await this.expect('POST', '/v1/transactions', key, { transactions: baskets.slice(i, i + batch) }, [200, 207])) as { accepted: number }
      accepted += body.accepted
      onProgress?.(Math.min(i + batch, baskets.length))
    }
    return accepted
  }
}
