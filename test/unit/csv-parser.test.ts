import { describe, expect, it } from 'vitest'
import { type CsvRecord, CsvParser } from '../../src/modules/imports/csv-parser.ts'

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
