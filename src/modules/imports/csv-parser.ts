/** One CSV record: the physical line it starts on (1-based), its fields, and why it is malformed. */
export interface CsvRecord {
  readonly line: number
  readonly values: string[]
  /** Set when the quoting is broken; `values` is then empty. */
  readonly error?: string
}

const COMMA = 44
const LF = 10
const CR = 13
const QUOTE = 34

/**
 * Incremental RFC 4180 parser (quoted fields, "" escapes, embedded newlines, LF or CRLF). Why not
 * csv-parse: it spends about 8 µs a row, more than PostgreSQL needs to store the row, and it throws
 * on a broken quote, which would end an import instead of reporting one bad line.
 *
 * The common line has no quote at all: it is split with indexOf. A line with a quote goes through
 * a small state machine. Empty lines are skipped (and still counted); a quote inside an unquoted
 * field is kept as a literal character.
 */
export class CsvParser {
  private rest = ''
  /** Line number of the first character of `rest`. */
  private line = 1
  private started = false

  /** Parses every complete record in `text` (after what was left over) into `out`. */
  push(text: string, out: CsvRecord[]): void {
    let s = this.rest + text
    if (!this.started && s.length > 0) {
      this.started = true
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1)
    }
    this.rest = s.slice(this.parse(s, out, false))
  }

  /** Parses what is left at the end of the input (a last line without a newline). */
  end(out: CsvRecord[]): void {
    if (this.rest.length > 0) this.parse(this.rest, out, true)
    this.rest = ''
  }

  /** Returns the offset of the first character not consumed. */
  private parse(s: string, out: CsvRecord[], final: boolean): number {
    const n = s.length
    let pos = 0
    while (pos < n) {
      const quote = s.indexOf('"', pos)
      pos = this.plainLines(s, pos, quote === -1 ? n : quote, out)
      if (pos >= n) return n
      if (quote === -1) {
        // the last line, without a newline
        if (!final) return pos
        this.plainLines(`${s.slice(pos)}\n`, 0, n, out)
        return n
      }
      const next = this.parseQuoted(s, pos, out, final)
      if (next === -1) return pos
      pos = next
    }
    return n
  }

  /** Splits the complete lines from `pos` that end before `limit` (no quote in them); returns where it stopped. */
  private plainLines(s: string, pos: number, limit: number, out: CsvRecord[]): number {
    let line = this.line
    for (;;) {
      const nl = s.indexOf('\n', pos)
      if (nl === -1 || nl > limit) break
      const end = nl > pos && s.charCodeAt(nl - 1) === CR ? nl - 1 : nl
      if (end > pos) out.push(record(line, splitPlain(s, pos, end), undefined))
      line++
      pos = nl + 1
    }
    this.line = line
    return pos
  }

  /** A record containing quotes, from `pos`; returns where the next record starts, -1 if incomplete. */
  private parseQuoted(s: string, pos: number, out: CsvRecord[], final: boolean): number {
    const values: string[] = []
    const line = this.line
    let lines = 0
    let p = pos
    for (;;) {
      if (s.charCodeAt(p) !== QUOTE) {
        const { value, stop } = unquotedField(s, p)
        if (stop >= s.length && !final) return -1
        values.push(value)
        p = stop
      } else {
        const field = quotedField(s, p + 1, final)
        if (!field) {
          if (!final) return -1
          return this.fail(out, line, 'a quoted field is not closed before the end of the file', s.length)
        }
        values.push(field.value)
        lines += field.lines
        p = field.stop
        const c = s.charCodeAt(p)
        if (p < s.length && c !== COMMA && c !== LF && !(c === CR && s.charCodeAt(p + 1) === LF)) {
          this.line += lines
          const nl = s.indexOf('\n', p)
          return this.fail(out, line, 'a quoted field must be followed by a comma or the end of the line', nl === -1 ? s.length : nl + 1)
        }
      }
      const c = s.charCodeAt(p)
      if (c === COMMA) {
        p++
        continue
      }
      this.line += lines + 1
      out.push(record(line, values, undefined))
      return p >= s.length ? p : c === CR ? p + 2 : p + 1
    }
  }

  private fail(out: CsvRecord[], line: number, error: string, next: number): number {
    out.push(record(line, [], error))
    this.line++
    return next
  }
}

/** Every record gets the same shape, so V8 keeps the hot loop optimized (a mixed shape deoptimizes it). */
function record(line: number, values: string[], error: string | undefined): CsvRecord {
  return { line, values, error }
}

/** The fields of a line without quotes, between `start` and `end` (exclusive) of `s`. */
export function splitPlain(s: string, start: number, end: number): string[] {
  const values: string[] = []
  let p = start
  for (;;) {
    const c = s.indexOf(',', p)
    if (c === -1 || c >= end) {
      values.push(s.slice(p, end))
      return values
    }
    values.push(s.slice(p, c))
    p = c + 1
  }
}

/** An unquoted field from `p` up to the next comma or end of line (CR of a CRLF excluded). */
function unquotedField(s: string, p: number): { value: string; stop: number } {
  let i = p
  const n = s.length
  while (i < n) {
    const c = s.charCodeAt(i)
    if (c === COMMA || c === LF || (c === CR && s.charCodeAt(i + 1) === LF)) break
    i++
  }
  return { value: s.slice(p, i), stop: i }
}

/**
 * A quoted field whose content starts at `p`; undefined when its closing quote is not in `s` (or,
 * before the end of the input, when a quote is the last character: it may be half of a "").
 */
function quotedField(s: string, p: number, final: boolean): { value: string; stop: number; lines: number } | undefined {
  let value = ''
  let lines = 0
  for (;;) {
    const q = s.indexOf('"', p)
    if (q === -1) return undefined
    const part = s.slice(p, q)
    for (let i = part.indexOf('\n'); i !== -1; i = part.indexOf('\n', i + 1)) lines++
    value += part
    if (s.charCodeAt(q + 1) === QUOTE) {
      value += '"'
      p = q + 2
      continue
    }
    if (q + 1 >= s.length && !final) return undefined
    return { value, stop: q + 1, lines }
  }
}

/** What CsvByteReader.next() found. */
export const RecordKind = { needMore: 0, end: 1, plain: 2, quoted: 3, broken: 4 } as const

const EMPTY = Buffer.alloc(0)
const BOM = Buffer.from([0xef, 0xbb, 0xbf])

/**
 * CsvParser's rules over the bytes of the file (UTF-8) instead of decoded text, for a reader that
 * mostly moves lines around without looking inside them (the transactions split): a line without
 * quotes comes as a range of bytes, never decoded. Quote, comma, CR and LF are ASCII, never part
 * of a multi-byte UTF-8 sequence, so every offset found here is a character boundary.
 *
 * Pull-style, so that the caller can await between records: feed() a chunk, then next() until it
 * says needMore; finish() at the end of the input, then next() until it says end. After each
 * record, `line` is the line it starts on and, by kind, `buf[start, end)` its line (plain: no
 * quote in it; the CR of a CRLF excluded), `values` its fields (quoted), `error` (broken: its
 * quoting is broken; the reader goes on with the next line).
 */
export class CsvByteReader {
  line = 0
  buf: Buffer = EMPTY
  start = 0
  end = 0
  values: string[] = []
  error = ''
  private pos = 0
  private nextLine = 1
  /** First quote at or after `pos` (-1: none in `buf`). */
  private quote = -1
  private final = false
  private started = false
  /** Set by quotedField: where the field ends (after its closing quote) and the newlines inside it. */
  private fieldStop = 0
  private fieldLines = 0

  feed(chunk: Buffer): void {
    let b = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk
    if (!this.started) {
      // a BOM may arrive in pieces
      if (b.length < BOM.length && BOM.subarray(0, b.length).equals(b)) {
        this.buf = b
        this.pos = 0
        return
      }
      this.started = true
      if (b.subarray(0, BOM.length).equals(BOM)) b = b.subarray(BOM.length)
    }
    this.buf = b
    this.pos = 0
    this.quote = b.indexOf(QUOTE)
  }

  /** No more input: the last line may have no newline. */
  finish(): void {
    this.final = true
    this.started = true
    this.quote = this.buf.indexOf(QUOTE, this.pos)
  }

  next(): number {
    const b = this.buf
    const n = b.length
    for (;;) {
      const pos = this.pos
      if (pos >= n) return this.final ? RecordKind.end : RecordKind.needMore
      if (this.quote !== -1 && this.quote < pos) this.quote = b.indexOf(QUOTE, pos)
      let nl = b.indexOf(LF, pos)
      const q = this.quote
      if (q !== -1 && (nl === -1 || q < nl)) return this.quoted(pos)
      if (nl === -1) {
        if (!this.final) return RecordKind.needMore
        nl = n
      }
      const end = nl > pos && b[nl - 1] === CR ? nl - 1 : nl
      this.line = this.nextLine++
      this.pos = nl + 1
      if (end > pos) {
        this.start = pos
        this.end = end
        return RecordKind.plain
      }
    }
  }

  /** A record with a quote in its first line, from `pos` (its start). */
  private quoted(pos: number): number {
    const b = this.buf
    const n = b.length
    const final = this.final
    const values: string[] = []
    const line = this.nextLine
    let lines = 0
    let p = pos
    for (;;) {
      if (b[p] !== QUOTE) {
        // unquoted: up to a comma, LF or CRLF (a quote in it is a character)
        let i = p
        for (; i < n; i++) {
          const c = b[i]
          if (c === COMMA || c === LF || (c === CR && b[i + 1] === LF)) break
        }
        if (i >= n && !final) return RecordKind.needMore
        values.push(b.toString('utf8', p, i))
        p = i
      } else {
        const value = this.quotedField(p + 1)
        if (value === undefined) {
          if (!final) return RecordKind.needMore
          return this.fail(line, 'a quoted field is not closed before the end of the file', n)
        }
        values.push(value)
        lines += this.fieldLines
        p = this.fieldStop
        const c = b[p]
        if (c === CR && p + 1 >= n && !final) return RecordKind.needMore
        if (p < n && c !== COMMA && c !== LF && !(c === CR && b[p + 1] === LF)) {
          const nl = b.indexOf(LF, p)
          if (nl === -1 && !final) return RecordKind.needMore
          this.nextLine += lines
          return this.fail(line, 'a quoted field must be followed by a comma or the end of the line', nl === -1 ? n : nl + 1)
        }
      }
      const c = b[p]
      if (c === COMMA) {
        p++
        continue
      }
      this.nextLine += lines + 1
      this.line = line
      this.values = values
      this.pos = p >= n ? p : c === CR ? p + 2 : p + 1
      return RecordKind.quoted
    }
  }

  /**
   * A quoted field whose content starts at `p`; undefined when its closing quote is not in `buf`
   * (or, before the end of the input, when a quote is the last byte: it may be half of a "").
   */
  private quotedField(p: number): string | undefined {
    const b = this.buf
    let value = ''
    let lines = 0
    for (;;) {
      const q = b.indexOf(QUOTE, p)
      if (q === -1) return undefined
      for (let i = b.indexOf(LF, p); i !== -1 && i < q; i = b.indexOf(LF, i + 1)) lines++
      value += b.toString('utf8', p, q)
      if (b[q + 1] === QUOTE) {
        value += '"'
        p = q + 2
        continue
      }
      if (q + 1 >= b.length && !this.final) return undefined
      this.fieldStop = q + 1
      this.fieldLines = lines
      return value
    }
  }

  private fail(line: number, error: string, next: number): number {
    this.line = line
    this.error = error
    this.nextLine++
    this.pos = next
    return RecordKind.broken
  }
}
