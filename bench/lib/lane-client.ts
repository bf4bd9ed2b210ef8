import http from 'node:http'

/** Keep-alive HTTP for the bench lanes: one socket per lane, each answer timed from send to last byte. */
export class Client {
  private readonly agent: http.Agent
  private readonly port: number
  private readonly auth: string
  constructor(port: number, key: string, sockets: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets })
    this.port = port
    this.auth = `Bearer ${key}`
  }

  request(method: string, url: string, body?: unknown): Promise<{ status: number; body: string; ms: number }> {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const headers: Record<string, string | number> = { authorization: this.auth }
    if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) })
    const t0 = performance.now()
    return new Promise((resolve, reject) => {
      const req = http.request({ agent: this.agent, host: '127.0.0.1', port: this.port, path: url, method, headers }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, ms: performance.now() - t0 }))
      })
      req.on('error', reject)
      req.end(payload)
    })
  }

  close(): void {
    this.agent.destroy()
  }
}
