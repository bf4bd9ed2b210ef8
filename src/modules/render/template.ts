import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

// The shopping-list template is data (templates/shopping-list/*.json), validated here when loaded,
// so a typo in a size or a colour fails at start-up with the field's path, not mid-cycle.

export const DEFAULT_TEMPLATE_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../templates/shopping-list',
)

const size = z.number().positive()
const color = z.string().regex(/^#[0-9A-Fa-f]{6}$/, 'a #RRGGBB colour')
// pdfkit's standard 14 fonts: metrics ship with pdfkit, so text layout never depends on the machine.
const standardFont = z.enum([
  'Helvetica',
  'Helvetica-Bold',
  'Helvetica-Oblique',
  'Helvetica-BoldOblique',
  'Times-Roman',
  'Times-Bold',
  'Times-Italic',
  'Courier',
  'Courier-Bold',
])

const colors = z.object({
  brand: color,
  brandText: color,
  accent: color,
  accentText: color,
  tint: color,
  ink: color,
  muted: color,
  rule: color,
  cut: color,
  paper: color,
})

export const layoutSchema = z.object({
  page: z.object({
    width: size,
    height: size,
    margin: z.object({ top: size, right: size, bottom: size, left: size }),
  }),
  fonts: z.object({ regular: standardFont, bold: standardFont, italic: standardFont, mono: standardFont }),
  colors,
  header: z.object({ height: size, radius: z.number().min(0), storeSize: size, titleSize: size, subtitleSize: size, codeBoxWidth: size }),
  runningHeader: z.object({ height: size, size }),
  list: z.object({
    columns: z.number().int().min(1).max(3),
    gutter: size,
    headingSize: size,
    headingHeight: size,
    itemSize: size,
    detailSize: size,
    checkbox: size,
    rowGap: z.number().min(0),
    sectionGap: z.number().min(0),
    notesHeading: z.boolean(),
    notesLineGap: size,
    notesMinLines: z.number().int().min(0),
    notesMaxLines: z.number().int().min(0),
  }),
  content: z.object({ labelSize: size, titleSize: size, bodySize: size, padding: size, radius: z.number().min(0), gap: size }),
  coupons: z.object({
    startOnNewPage: z.boolean(),
    columns: z.number().int().min(1).max(2),
    gap: size,
    padding: size,
    dash: z.tuple([size, size]),
    valueSize: size,
    titleSize: size,
    detailSize: size,
    headingSize: size,
  }),
  barcode: z
    .object({
      /** Narrow bar width in points; lane scanners want ≥ 0.25 mm (0.709 pt). */
      moduleWidth: size,
      minModuleWidth: z.number().min(0.709, 'at least 0.25 mm (0.709 pt) for lane scanners'),
      height: z.number().min(34, 'at least 12 mm (34 pt)'),
      quietZoneModules: z.number().int().min(10),
      hriSize: size,
      gs1HriSize: size,
    })
    .refine((b) => b.moduleWidth >= b.minModuleWidth, { message: 'moduleWidth below minModuleWidth', path: ['moduleWidth'] }),
  footer: z.object({ height: size, size }),
  /** Per-store branding, keyed by store id. */
  stores: z.record(z.string(), z.object({ displayName: z.string().min(1).optional(), colors: colors.partial().optional() })),
})

export const stringsSchema = z.object({
  title: z.string(),
  preparedFor: z.string(),
  preparedForAnyone: z.string(),
  cycle: z.string(),
  listCode: z.string(),
  continued: z.string(),
  runningTitle: z.string(),
  offerTag: z.string(),
  offerTagPercent: z.string(),
  offerTagFixed: z.string(),
  notesHeading: z.string(),
  couponsHeading: z.string(),
  couponsNote: z.string(),
  amountOff: z.string(),
  percentOff: z.string(),
  fixedPrice: z.string(),
  worth: z.string(),
  buyN: z.string(),
  buyOne: z.string(),
  validThrough: z.string(),
  storeCoupon: z.string(),
  manufacturerCoupon: z.string(),
  fundedBy: z.string(),
  contentLabels: z.object({ recipe: z.string(), tip: z.string(), service: z.string() }),
  footerOptOut: z.string().min(1),
  footerRight: z.string(),
  months: z.array(z.string()).length(12),
  currency: z.string(),
})

export type LayoutTemplate = z.infer<typeof layoutSchema>
export type Strings = z.infer<typeof stringsSchema>
export type Colors = z.infer<typeof colors>
export type FontRole = keyof LayoutTemplate['fonts']

export interface Template {
  readonly layout: LayoutTemplate
  readonly strings: Strings
}

/** Reads and validates layout.json and strings.<lang>.json; throws naming the file and field. */
export function loadTemplate(dir: string = DEFAULT_TEMPLATE_DIR, lang = 'en'): Template {
  return {
    layout: parseFile(path.join(dir, 'layout.json'), layoutSchema),
    strings: parseFile(path.join(dir, `strings.${lang}.json`), stringsSchema),
  }
}

function parseFile<T>(file: string, schema: z.ZodType<T>): T {
  const result = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')))
  if (result.success) return result.data
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
  throw new Error(`invalid template ${file}: ${issues.join('; ')}`)
}
