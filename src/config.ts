import path from 'node:path'
import { z } from 'zod'

/**
 * The only module that reads process.env. Every variable is described here; the README's
 * configuration table is printed from this schema by `pantry config`.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

export const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .url()
    .optional()
    .describe('PostgreSQL connection string. Unset: Pantry starts an embedded PostgreSQL in PANTRY_DATA_DIR/pg.'),
  PANTRY_DATA_DIR: z
    .string()
    .default('.pantry')
    .describe('Directory for the embedded database and local state.'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('HTTP port of `pantry serve`.'),
  HOST: z.string().default('127.0.0.1').describe('HTTP listen address of `pantry serve` (0.0.0.0 to expose it).'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
  LOG_PRETTY: bool.optional().describe('Force pretty (true) or JSON (false) logs; default: pretty on a TTY.'),
  PANTRY_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024)
    .describe('Largest accepted request body; larger ones get 413.'),
  PANTRY_DB_POOL_SIZE: z.coerce.number().int().positive().default(10).describe('PostgreSQL connections per process.'),
  PANTRY_WARM_PROFILES: bool
    .default(true)
    .describe("`pantry serve` fits today's population for household profiles in the background at start and after each UTC midnight, so the day's first profile does not wait for it."),
  PANTRY_CODE_SECRET: z
    .string()
    .min(16)
    .optional()
    .describe('Secret keying the HMAC check on list and offer codes (min 16 chars). Unset: a random one kept in PANTRY_DATA_DIR.'),
  PANTRY_CYCLE_DAYS: z.coerce.number().int().positive().default(14).describe('Length of a list cycle in days.'),
  PANTRY_LOYAL_WEEKLY_CENTS: z.coerce
    .number()
    .int()
    .nonnegative()
    .default(2500)
    .describe('Average weekly spend (cents) over the trailing window that qualifies a household for lists.'),
  PANTRY_LOYAL_WEEKS: z.coerce.number().int().positive().default(8).describe('Trailing weeks over which loyalty spend is averaged.'),
  PANTRY_SEGMENT_WEEKS: z.coerce
    .number()
    .int()
    .positive()
    .default(52)
    .describe('Trailing weeks behind RFM frequency/monetary, pyramid tiers and brand-loyalty segments.'),
  PANTRY_BRAND_LOYAL_SHARE: z.coerce
    .number()
    .gt(0.5)
    .max(1)
    .default(0.8)
    .describe('Share of a category\'s units in one brand type (national or store) that makes a household loyal to it; below it on both sides: swing.'),
  PANTRY_PYRAMID_CUTS: z
    .string()
    .default('0.5,0.8,0.95')
    .transform((v, c) => {
      const cuts = v.split(',').map((x) => Number(x.trim()))
      const ok = cuts.length === 3 && cuts.every((x, i) => x > 0 && x < 1 && (i === 0 || x > cuts[i - 1]!))
      if (!ok) c.addIssue({ code: 'custom', message: 'must be three ascending shares between 0 and 1, e.g. 0.5,0.8,0.95' })
      return cuts as [number, number, number]
    })
    .describe('Cumulative shares of spend closing the platinum, gold and iron tiers (households ranked by spend); the rest are lead.'),
  PANTRY_CONTROL_SHARE: z.coerce.number().min(0).max(0.9).default(0.1).describe('Share of qualified households held out as control each cycle.'),
  PANTRY_OFFER_TOP_CENTS: z.coerce
    .number()
    .int()
    .nonnegative()
    .default(3500)
    .describe('Offer value (cents, face value) a top household gets per cycle; others get a share proportional to their spend.'),
  PANTRY_OFFER_TOP_WORTH_CENTS: z.coerce
    .number()
    .int()
    .positive()
    .default(30000)
    .describe('Spend per cycle (cents) from which a household gets the full PANTRY_OFFER_TOP_CENTS.'),
  PANTRY_STORE_TIMEZONE: z
    .string()
    .default('America/Chicago')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz })
        return true
      } catch {
        return false
      }
    }, 'must be an IANA time zone, e.g. America/Chicago')
    .describe("The stores' time zone: an offer is valid on days of the store's local calendar."),
})

export type Env = z.infer<typeof envSchema>

export interface Config {
  readonly db: { readonly url: string | undefined; readonly poolSize: number }
  readonly dataDir: string
  readonly http: { readonly port: number; readonly host: string; readonly bodyLimit: number; readonly warmProfiles: boolean }
  readonly log: { readonly level: Env['LOG_LEVEL']; readonly pretty: boolean }
  readonly codeSecret: string | undefined
  readonly cycle: { readonly lengthDays: number; readonly controlShare: number; readonly offerTopCents: number; readonly offerTopWorthCents: number }
  readonly loyalty: { readonly weeklyCents: number; readonly weeks: number }
  readonly storeTimeZone: string
  readonly segments: {
    readonly weeks: number
    readonly brandLoyalShare: number
    readonly pyramidCuts: readonly [number, number, number]
  }
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, isTty = Boolean(process.stdout.isTTY)): Config {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`)
  }
  const e = parsed.data
  return Object.freeze({
    db: Object.freeze({ url: e.DATABASE_URL, poolSize: e.PANTRY_DB_POOL_SIZE }),
    dataDir: path.resolve(e.PANTRY_DATA_DIR),
    http: Object.freeze({ port: e.PORT, host: e.HOST, bodyLimit: e.PANTRY_BODY_LIMIT_BYTES, warmProfiles: e.PANTRY_WARM_PROFILES }),
    log: Object.freeze({ level: e.LOG_LEVEL, pretty: e.LOG_PRETTY ?? isTty }),
    codeSecret: e.PANTRY_CODE_SECRET,
    cycle: Object.freeze({
      lengthDays: e.PANTRY_CYCLE_DAYS,
      controlShare: e.PANTRY_CONTROL_SHARE,
      offerTopCents: e.PANTRY_OFFER_TOP_CENTS,
      offerTopWorthCents: e.PANTRY_OFFER_TOP_WORTH_CENTS,
    }),
    loyalty: Object.freeze({ weeklyCents: e.PANTRY_LOYAL_WEEKLY_CENTS, weeks: e.PANTRY_LOYAL_WEEKS }),
    storeTimeZone: e.PANTRY_STORE_TIMEZONE,
    segments: Object.freeze({ weeks: e.PANTRY_SEGMENT_WEEKS, brandLoyalShare: e.PANTRY_BRAND_LOYAL_SHARE, pyramidCuts: e.PANTRY_PYRAMID_CUTS }),
  })
}

/** Markdown table of the environment, for the README. */
export function configTable(): string {
  const rows = Object.entries(envSchema.shape).map(([name, schema]) => {
    const def = defaultOf(schema)
    return `| \`${name}\` | ${def === undefined ? '' : `\`${def}\``} | ${schema.description ?? ''} |`
  })
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n')
}

function defaultOf(schema: z.ZodType): string | undefined {
  const r = schema.safeParse(undefined)
  return r.success && r.data !== undefined ? String(r.data) : undefined
}
