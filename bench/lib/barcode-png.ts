import { crc32, deflateSync } from 'node:zlib'
import type { Bars } from '../../src/modules/render/barcode.ts'

/**
 * A linear barcode as a 1-bit grey PNG one pixel tall (one pixel per module, quiet zones white),
 * for the image variant of bench:cycle's floor. pdfkit embeds such a PNG without decoding it (the
 * IDAT goes into the PDF with a PNG predictor), and the viewer stretches it to the bar height.
 */
export function onePixelPng(b: Bars, quiet: number): { png: Buffer; pixels: number } {
  const pixels = b.modules + 2 * quiet
  const row = Buffer.alloc(1 + Math.ceil(pixels / 8), 0xff)
  row[0] = 0 // filter: none
  for (let i = 0; i < b.bars.length; i += 2) {
    for (let m = 0; m < b.bars[i + 1]!; m++) {
      const px = quiet + b.bars[i]! + m
      row[1 + (px >> 3)]! &= ~(0x80 >> (px & 7))
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(pixels, 0)
  ihdr.writeUInt32BE(1, 4)
  ihdr[8] = 1 // bit depth
  ihdr[9] = 0 // grey
  return {
    png: Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(row)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
    pixels,
  }
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}
