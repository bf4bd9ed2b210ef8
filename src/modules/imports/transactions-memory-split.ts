import { checkHeader, emptyFile } from './csv-file.ts'
import { bucketOf, bucketOfRanges, bucketTable, isSpace } from './transactions-split.ts'

// Phase 1 of `pantry import transactions` for a file small enough to hold in memory (a day of a
// few stores, up to IN_MEMORY_BYTES of text) and without a quote: instead of copying its rows into
// bucket files and reading them back, the text is kept whole and each bucket is a list of its rows'
// places in it. This pass is the serial part of an import (nothing is written until it ends), and
// on 300,000 lines it took about half the time of the bucket files' pass. The rows go to the same
// buckets by the same hash of their trimmed basket key, so the buckets hold whole baskets in file order.

/** A bucket's rows: (start, end, line number) triples into the text, in file order. */
export interface MemoryBucket {
  readonly lines: Int32Array
  readonly rows: number
}

export interface MemorySplit {
  readonly text: string
  /** Whether the text has a NUL character anywhere (each value is then checked for one). */
  readonly mayHaveNul: boolean
  readonly rows: number
  readonly buckets: MemoryBucket[]
}

const CR = 13
const QUOTE = 0x22

/**
 * Splits `bytes` (a whole CSV file, header `header`) into `count` buckets of rows in memory, or
 * returns undefined when it has a quote anywhere (quoted fields, which may span lines, are the
 * bucket files' reader's: splitIntoBuckets). Lines as CsvByteReader reads them: a UTF-8 BOM
 * skipped, LF or CRLF, empty lines skipped but counted, the first non-empty line the header.
 */
export function splitInMemory(bytes: Buffer, header: readonly string[], file: string, count: number): MemorySplit | undefined {
  if (bytes.indexOf(QUOTE) !== -1) return undefined
  const text = bytes.toString('utf8')
  const table = bucketTable(count)
  const lists = Array.from({ length: count }, () => new RowList(Math.ceil(bytes.length / 40 / count) + 16))
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 0
  let headerSeen = false
  let rows = 0
  while (pos < text.length) {
    line++
    let nl = text.indexOf('\n', pos)
    if (nl === -1) nl = text.length
    const end = nl > pos && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl
    if (end > pos) {
      if (!headerSeen) {
        checkHeader(text.slice(pos, end).split(','), header)
        headerSeen = true
      } else {
        rows++
        lists[bucketOfLine(text, pos, end, table)]!.add(pos, end, line)
      }
    }
    pos = nl + 1
  }
  if (!headerSeen) throw emptyFile(file, header)
  return { text, mayHaveNul: text.indexOf('\0') !== -1, rows, buckets: lists.filter((l) => l.rows > 0).map((l) => l.done()) }
}

/** bucketOf(store_id, transaction_id) of the line's two first fields (a line without a comma: bucket 0). */
function bucketOfLine(text: string, from: number, to: number, table: Uint16Array): number {
  if (table.length === 1) return 0
  const c0 = text.indexOf(',', from)
  if (c0 === -1 || c0 >= to) return 0
  let c1 = text.indexOf(',', c0 + 1)
  if (c1 === -1 || c1 > to) c1 = to
  let txnFrom = from
  let txnTo = c0
  let storeFrom = c0 + 1
  let storeTo = c1
  let high = 0
  for (let i = txnFrom; i < storeTo; i++) high |= text.charCodeAt(i)
  // other than ASCII: trim() knows more white space
  if (high >= 0x80) return bucketOf(text.slice(storeFrom, storeTo).trim(), text.slice(txnFrom, txnTo).trim(), table)
  while (storeFrom < storeTo && isSpace(text.charCodeAt(storeFrom))) storeFrom++
  while (storeTo > storeFrom && isSpace(text.charCodeAt(storeTo - 1))) storeTo--
  while (txnFrom < txnTo && isSpace(text.charCodeAt(txnFrom))) txnFrom++
  while (txnTo > txnFrom && isSpace(text.charCodeAt(txnTo - 1))) txnTo--
  return bucketOfRanges(text, storeFrom, storeTo, text, txnFrom, txnTo, table)
}

/** A growing list of (start, end, line) triples. */
class RowList {
  private a: Int32Array
  private n = 0

  constructor(rows: number) {
    this.a = new Int32Array(3 * rows)
  }

  get rows(): number {
    return this.n / 3
  }

  add(start: number, end: number, line: number): void {
    if (this.n + 3 > this.a.length) {
      const b = new Int32Array(this.a.length * 2)
      b.set(this.a)
      this.a = b
    }
    this.a[this.n] = start
    this.a[this.n + 1] = end
    this.a[this.n + 2] = line
    this.n += 3
  }

  done(): MemoryBucket {
    return { lines: this.a.subarray(0, this.n), rows: this.n / 3 }
  }
}
