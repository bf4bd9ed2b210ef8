import { describe, expect, it } from 'vitest'
import { CsvByteReader, type CsvRecord, CsvParser, RecordKind } from '../../src/modules/imports/csv-parser.ts'

/** Parses `text` fed in pieces of `size` characters (1 = every chunk boundary possible). */
function parse(text: string, size = text.length): Array<Pick<CsvRecord, 'line' | 'values'> & { error?: string }> {
  const p = new CsvParser()
  const out: CsvRecord[] = []
  for (let i = 0; i < text.length; i += size) p.push(text.slice(i, i + size), out)
  p.end(out)
  return out.map((r) => (r.error ? { line: r.line, values: r.values, error: r.error } : { line: r.line, values: r.values }))
}

describe('CsvParser', () => {
  const text = '\uFEFFa,b,c\r\n1,"x, ""y""",3\n\n4,"multi\nline",6\n7,,\n"last",row'
  const expected = [
    { line: 1, values: ['a', 'b', 'c'] },
    { line: 2, values: ['1', 'x, "y"', '3'] },
    { line: 4, values: ['4', 'multi\nline', '6'] },
    { line: 6, values: ['7', '', ''] },
    { line: 7, values: ['last', 'row'] },
  ]

  it('reads quoted fields, "" escapes, embedded newlines, CRLF, a BOM and skips empty lines', () => {
    expect(parse(text)).toEqual(expected)
  })

  it('gives the same records whatever the chunk boundaries', () => {
    for (const size of [1, 2, 3, 5, 7, 11]) expect(parse(text, size)).toEqual(expected)
  })

  it('keeps a quote inside an unquoted field as a character', () => {
    expect(parse('a,5" screen,c\n')).toEqual([{ line: 1, values: ['a', '5" screen', 'c'] }])
  })

  it('reports broken quoting as a record with an error, and goes on', () => {
    expect(parse('a,"b"x,c\nd,e\n"open,f\n')).toEqual([
      { line: 1, values: [], error: 'a quoted field must be followed by a comma or the end of the line' },
      { line: 2, values: ['d', 'e'] },
      { line: 3, values: [], error: 'a quoted field is not closed before the end of the file' },
    ])
  })

  it('counts the lines of a quoted field for the records after it', () => {
    expect(parse('"a\n\nb",1\nc,2\n', 4).map((r) => r.line)).toEqual([1, 4])
  })
})

/** CsvByteReader over `text` as UTF-8 fed in pieces of `size` bytes; a plain line is split on its commas. */
function parseBytes(text: string, size?: number): Array<{ line: number; values: string[]; error?: string }> {
  const bytes = Buffer.from(text, 'utf8')
  const r = new CsvByteReader()
  const out: Array<{ line: number; values: string[]; error?: string }> = []
  const drain = () => {
    for (let k = r.next(); k !== RecordKind.needMore && k !== RecordKind.end; k = r.next()) {
      if (k === RecordKind.plain) out.push({ line: r.line, values: r.buf.toString('utf8', r.start, r.end).split(',') })
      else if (k === RecordKind.quoted) out.push({ line: r.line, values: r.values })
      else out.push({ line: r.line, values: [], error: r.error })
    }
  }
  const step = size ?? Math.max(1, bytes.length)
  for (let i = 0; i < bytes.length; i += step) {
    r.feed(bytes.subarray(i, i + step))
    drain()
  }
  r.finish()
  drain()
  return out
}

describe('CsvByteReader', () => {
  const text = '\uFEFFa,b,c\r\n1,"x, ""y""",3\n\n4,"multi\nline",6\n7,,\n"last",row'

  it('reads what CsvParser reads, whatever the chunk boundaries (a BOM or a character cut in two)', () => {
    const withUtf8 = '\uFEFFé,"ü ""ß""",€\r\n"a\r\nb",c\n'
    for (const t of [text, withUtf8]) {
      for (const size of [undefined, 1, 2, 3, 5, 7, 11]) expect(parseBytes(t, size)).toEqual(parse(t))
    }
  })

  it('keeps a quote inside an unquoted field, and reports broken quoting with its line', () => {
    for (const t of ['a,5" screen,c\n', 'a,"b"x,c\nd,e\n"open,f\n', '"a\n\nb",1\nc,2\n', 'x,"y"\r\nz\n']) {
      for (const size of [undefined, 1, 2, 3, 4]) expect(parseBytes(t, size)).toEqual(parse(t))
    }
  })

  it('agrees with CsvParser on random text', () => {
    const alphabet = ['a', 'b', ',', '"', '\n', '\r', 'é', ' ']
    let seed = 7
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 2 ** 32
    }
    for (let n = 0; n < 300; n++) {
      const t = Array.from({ length: 1 + Math.floor(rand() * 40) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('')
      for (const size of [undefined, 1, 3]) expect(parseBytes(t, size), JSON.stringify(t)).toEqual(parse(t))
    }
  })
})
