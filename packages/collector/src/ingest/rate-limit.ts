/**
 * Token buckets keyed by string: `rate` requests a second on average, bursts
 * up to `burst`. Memory is bounded: at most `maxKeys` buckets, kept in the
 * order last used; buckets full again are dropped from the oldest end, and
 * past the cap the least recently used goes. A busy key is never the one
 * dropped, so a client cannot reset its own bucket by sending from many
 * other keys (dropping every bucket at the cap, as this did, let it), and
 * each call costs the same however many keys there are.
 *
 * @example
 * const limiter = createRateLimiter({ rate: 50, burst: 100 })
 * const { ok, retryAfter } = limiter.take(`${siteId}:${clientHash}`, Date.now())
 */
export function createRateLimiter(options: { rate: number; burst: number; maxKeys?: number }) {
  const { rate, burst } = options
  const maxKeys = options.maxKeys ?? 100_000
  /** Buckets in the order last used, oldest first (a used bucket is re-inserted). */
  const buckets = new Map<string, { tokens: number; at: number }>()

  function trim(now: number): void {
    for (const [key, b] of buckets) {
      const full = b.tokens + ((now - b.at) / 1000) * rate >= burst
      if (!full && buckets.size <= maxKeys) break
      buckets.delete(key)
    }
  }

  return {
    /** Takes one token; when none is left, says in how many seconds one will be. */
    take(key: string, now: number): { ok: boolean; retryAfter: number } {
      if (rate <= 0) return { ok: true, retryAfter: 0 }
      let b = buckets.get(key)
      if (b) buckets.delete(key)
      else b = { tokens: burst, at: now }
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate)
      b.at = now
      const ok = b.tokens >= 1
      if (ok) b.tokens -= 1
      buckets.set(key, b)
      trim(now)
      return ok
        ? { ok: true, retryAfter: 0 }
        : { ok: false, retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / rate)) }
    },
    /** Buckets held (at most `maxKeys`). */
    size: () => buckets.size,
  }
}

export type RateLimiter = ReturnType<typeof createRateLimiter>
