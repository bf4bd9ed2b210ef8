import net from 'node:net'

const HEAD_END = Buffer.from('\r\n\r\n')

/**
 * One lane's keep-alive HTTP/1.1 connection for the ingest bench: one socket, one request at a
 * time (a lane waits for each answer before it posts the next basket), written and read by hand.
 * The bench runs on the same two cores as the server it measures, and Node's http client cost it
 * ~0.2 ms of CPU a request, a fifth of what the server spent; this costs a fraction of that.
 * Only what the bench needs: answers with a Content-Length (Fastify sends one), no chunked bodies.
 */
export class LaneSocket {
  private readonly socket: net.Socket
  private readonly head: string
  private chunks: Buffer[] = []
  private size = 0
  private waiting: { resolve: (r: { status: number; body: string }) => void; reject: (e: Error) => void } | undefined

  private constructor(socket: net.Socket, head: string) {
    this.socket = socket
    this.head = head
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.read(chunk))
    socket.on('error', (err) => this.fail(err))
    socket.on('close', () => this.fail(new Error('connection closed')))
  }

  /** Connects to 127.0.0.1:`port`; every request carries `headers` (name → value). */
  static open(port: number, headers: Record<string, string>): Promise<LaneSocket> {
    const head = Object.entries({ host: `127.0.0.1:${port}`, ...headers })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new LaneSocket(socket, head)))
      socket.once('error', reject)
    })
  }

  /** POSTs `body` (JSON) to `path`; resolves with the status and body once the whole answer is in. */
  post(path: string, body: string): Promise<{ status: number; body: string }> {
    if (this.waiting) return Promise.reject(new Error('one request at a time per lane'))
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject }
      this.socket.write(`POST ${path} HTTP/1.1\r\n${this.head}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
    })
  }

  close(): void {
    this.socket.destroy()
  }

  private read(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.size += chunk.length
    const data = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.size)
    const end = data.indexOf(HEAD_END)
    if (end < 0) return
    const head = data.subarray(0, end).toString('latin1')
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)
    if (!length) return this.fail(new Error(`answer without a Content-Length: ${head.split('\r\n')[0]}`))
    const total = end + HEAD_END.length + Number(length[1])
    if (data.length < total) {
      this.chunks = [data]
      return
    }
    this.chunks = data.length > total ? [data.subarray(total)] : []
    this.size = data.length - total
    const w = this.waiting
    this.waiting = undefined
    w?.resolve({ status: Number(head.slice(9, 12)), body: data.subarray(end + HEAD_END.length, total).toString('utf8') })
  }

  private fail(err: Error): void {
    const w = this.waiting
    this.waiting = undefined
    w?.reject(err)
  }
}
