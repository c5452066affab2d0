/** Number formats of the dashboard, in the reader's locale. */

const int = new Intl.NumberFormat()
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 })
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 })
const signed = new Intl.NumberFormat(undefined, {
  style: 'percent',
  maximumFractionDigits: 1,
  signDisplay: 'exceptZero',
})

export const DASH = '–'

export const fmtInt = (n: number | null | undefined) => (n == null ? DASH : int.format(n))
/** Whole numbers up to 100,000, compact (1.2M) above: KPI cards stay one line on a phone. */
export const fmtCount = (n: number | null | undefined) =>
  n == null ? DASH : Math.abs(n) < 100_000 ? int.format(n) : compact.format(n)
export const fmtPct = (r: number | null | undefined) => (r == null ? DASH : percent.format(r))
export const fmtChange = (r: number | null | undefined) => (r == null ? DASH : signed.format(r))
export const fmtP = (p: number | null | undefined) =>
  p == null ? DASH : p < 0.0001 ? '< 0.0001' : p.toFixed(4)

/** Seconds as `45s`, `2m 05s`, `1h 03m`. */
export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds == null) return DASH
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

export const fmtMs = (ms: number | null | undefined) => (ms == null ? DASH : fmtDuration(ms / 1000))
