import cliProgress from 'cli-progress'

/**
 * One progress bar per phase of a long job, on stderr, only on a terminal: a new phase stops the
 * previous bar and starts its own. `unit` names what is counted, per phase.
 */
export function phaseBars(units: Readonly<Record<string, string>> = {}) {
  if (!process.stderr.isTTY) return { update: (_phase: string, _done: number, _total: number) => {}, stop: () => {} }
  let current: { phase: string; bar: cliProgress.SingleBar } | null = null
  const width = Math.max(8, ...Object.keys(units).map((k) => k.length))
  const stop = () => {
    current?.bar.stop()
    current = null
  }
  return {
    update(phase: string, done: number, total: number) {
      if (current?.phase !== phase) {
        stop()
        const format = `${phase.padEnd(width)} [{bar}] {value}/{total} ${units[phase] ?? ''} | {eta_formatted} left`
        const bar = new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
        bar.start(total, 0)
        current = { phase, bar }
      }
      current.bar.setTotal(total)
      current.bar.update(done)
    },
    stop,
  }
}
