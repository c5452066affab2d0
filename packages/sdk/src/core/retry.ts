import type { TransportResponse } from './platform'

/**
 * What to do with a batch after an attempt:
 * - `ok`: the collector took it (2xx); drop per-event rejections it lists, remove the rest;
 * - `unknown`: handed to sendBeacon, answer unknowable: keep it queued, claimed, for a later check;
 * - `retry`: network error, 408, 429, 5xx: keep it and try again after a backoff;
 * - `split`: 413, too large: send each half on its own;
 * - `reject`: another 4xx with a body naming the invalid events (400 invalid_batch): drop them;
 * - `pause`: 401, 403 and other 4xx: the key or origin is refused; keep the events, stop sending
 *   until the next page load (resending would only fail again, dropping would lose them).
 */
export type Verdict = 'ok' | 'unknown' | 'retry' | 'split' | 'reject' | 'pause'

/**
 * The one place that decides what an answer means. `undefined` is a network
 * failure (the transport rejected).
 *
 * @example
 * classify({ status: 503 }) // 'retry'
 */
export function classify(res: TransportResponse | undefined): Verdict {
  if (!res) return 'retry'
  const s = res.status
  if (s === 0) return 'unknown'
  if (s >= 200 && s < 300) return 'ok'
  if (s === 408 || s === 429 || s >= 500) return 'retry'
  if (s === 413) return 'split'
  if (s === 400) return 'reject'
  return 'pause'
}

/** Indexes of the events a 2xx answer lists as rejected. */
export function rejectedIndexes(body: unknown): number[] {
  const rejected = (body as { rejected?: { index?: unknown }[] } | undefined)?.rejected
  return Array.isArray(rejected)
    ? rejected.map((r) => r?.index).filter((i): i is number => typeof i === 'number')
    : []
}

/**
 * Exponential backoff with jitter: 1 s, 2 s, 4 s... capped at `max`, each
 * drawn uniformly from its upper half so bursts of tabs spread out but never
 * retry sooner than half the step.
 *
 * @example
 * backoff(3, Math.random()) // between 4 and 8 s
 */
export function backoff(attempt: number, random: number, base = 1_000, max = 60_000): number {
  const step = Math.min(max, base * 2 ** Math.max(0, attempt))
  return Math.round(step / 2 + (step / 2) * random)
}

/**
 * Milliseconds a Retry-After header asks to wait (seconds or an HTTP date),
 * capped at 10 minutes; undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined
  const seconds = Number(header)
  const ms = Number.isFinite(seconds) ? seconds * 1_000 : Date.parse(header) - now
  return Number.isFinite(ms) ? Math.min(600_000, Math.max(0, ms)) : undefined
}
