import cliProgress from 'cli-progress'

/** One bad row: its line number in the file and why it was refused. */
export interface RowError {
  readonly line: number
  readonly reason: string
}

/** What every `pantry import …` prints at the end, and returns to tests. */
export interface ImportSummary {
  imported: number
  duplicates: number
  rejected: number
  errors: RowError[]
}

export function emptySummary(): ImportSummary {
  return { imported: 0, duplicates: 0, rejected: 0, errors: [] }
}

export function summaryLine(kind: string, s: ImportSummary, ms: number): string {
  return `${kind}: imported ${s.imported}, duplicates ${s.duplicates}, rejected ${s.rejected} (${(ms / 1000).toFixed(1)} s)`
}

/** A byte-based progress bar on stderr, only when stderr is a terminal; a no-op otherwise. */
export function progressBar(label: string, totalBytes: number, enabled = Boolean(process.stderr.isTTY)) {
  if (!enabled) return { update: (_bytes: number, _rows: number) => {}, stop: () => {} }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {rows} rows | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  )
  bar.start(totalBytes, 0, { rows: 0 })
  return {
    update: (bytes: number, rows: number) => bar.update(Math.min(bytes, totalBytes), { rows }),
    stop: () => bar.stop(),
  }
}

export interface ImportOptions {
  /** All or nothing: with any bad row, nothing is committed. */
  readonly strict?: boolean
  /** Show a progress bar (default: when stderr is a TTY). */
  readonly progress?: boolean
}
