/**
 * Token buckets keyed by string: `rate` requests a second on average, bursts
 * up to `burst`. Memory is bounded: idle buckets (full again) are swept.
 *
 * @example
 * const limiter = createRateLimiter({ rate: 50, burst: 100 })
 * const { ok, retryAfter } = limiter.take(`${siteId}:${clientHash}`, Date.now())
 */
export function createRateLimiter(options: { rate: number; burst: number; maxKeys?: number }) {
  const { rate, burst } = options
  const maxKeys = options.maxKeys ?? 100_000
  const buckets = new Map<string, { tokens: number; at: number }>()

  function sweep(now: number): void {
    for (const [key, b] of buckets) {
      if (b.tokens + ((now - b.at) / 1000) * rate >= burst) buckets.delete(key)
    }
    // Still full of active clients: start over rather than grow without bound.
    if (buckets.size >= maxKeys) buckets.clear()
  }

  return {
    /** Takes one token; when none is left, says in how many seconds one will be. */
    take(key: string, now: number): { ok: boolean; retryAfter: number } {
      if (rate <= 0) return { ok: true, retryAfter: 0 }
      let b = buckets.get(key)
      if (!b) {
        if (buckets.size >= maxKeys) sweep(now)
        b = { tokens: burst, at: now }
        buckets.set(key, b)
      }
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate)
      b.at = now
      if (b.tokens >= 1) {
        b.tokens -= 1
        return { ok: true, retryAfter: 0 }
      }
      return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / rate)) }
    },
  }
}

export type RateLimiter = ReturnType<typeof createRateLimiter>
