import type { FontRole } from './template.ts'

/** Width in points of `text` set in `font` at `size`; pdfkit's own metrics in production. */
export type Measure = (text: string, font: FontRole, size: number) => number

const ELLIPSIS = '…'

/** `text` cut at a word (or character) boundary with an ellipsis so it fits `width`. */
export function ellipsize(text: string, font: FontRole, size: number, width: number, m: Measure): string {
  if (m(text, font, size) <= width) return text
  let lo = 0
  let hi = text.length
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (m(text.slice(0, mid).trimEnd() + ELLIPSIS, font, size) <= width) lo = mid
    else hi = mid - 1
  }
  return text.slice(0, lo).trimEnd() + ELLIPSIS
}

/**
 * Greedy word wrap into at most `maxLines` lines of `width`; the last line is ellipsized when text
 * remains. Explicit newlines start new lines.
 */
export function wrap(text: string, font: FontRole, size: number, width: number, m: Measure, maxLines = Infinity): string[] {
  const lines: string[] = []
  const paragraphs = text.split('\n')
  for (let p = 0; p < paragraphs.length; p++) {
    const words = paragraphs[p]!.split(/\s+/).filter((w) => w !== '')
    let line = ''
    for (let i = 0; i < words.length; i++) {
      const candidate = line === '' ? words[i]! : `${line} ${words[i]}`
      if (line !== '' && m(candidate, font, size) > width) {
        lines.push(line)
        line = words[i]!
        if (lines.length === maxLines) return finish(lines, [line, ...words.slice(i + 1)], paragraphs.slice(p + 1), font, size, width, m)
      } else {
        line = candidate
      }
    }
    lines.push(line)
    if (lines.length === maxLines && p < paragraphs.length - 1) return finish(lines, [], paragraphs.slice(p + 1), font, size, width, m)
  }
  return lines.map((l) => ellipsize(l, font, size, width, m))
}

function finish(lines: string[], rest: string[], more: string[], font: FontRole, size: number, width: number, m: Measure): string[] {
  // The rest joins the last line, which is then cut with an ellipsis where it stops fitting.
  lines[lines.length - 1] = [lines[lines.length - 1], ...rest, ...more].join(' ')
  return lines.map((l) => ellipsize(l, font, size, width, m))
}
