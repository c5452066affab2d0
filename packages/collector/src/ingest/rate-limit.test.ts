import { describe, expect, it } from 'vitest'
import { createRateLimiter } from './rate-limit'

describe('createRateLimiter', () => {
  it('allows a burst, then the rate, and says when to retry', () => {
    const limiter = createRateLimiter({ rate: 2, burst: 4 })
    const at = (t: number) => limiter.take('k', t).ok
    expect([at(0), at(0), at(0), at(0)]).toEqual([true, true, true, true])
    expect(limiter.take('k', 0)).toEqual({ ok: false, retryAfter: 1 })
    expect(at(499)).toBe(false)
    expect(at(500)).toBe(true) // one token every 500 ms at 2/s
    expect(limiter.take('other', 0).ok).toBe(true)
  })

  it('is off at rate 0 and stays bounded in memory', () => {
    expect(createRateLimiter({ rate: 0, burst: 0 }).take('k', 0).ok).toBe(true)
    const limiter = createRateLimiter({ rate: 1, burst: 1, maxKeys: 10 })
    for (let i = 0; i < 1_000; i++) limiter.take(`k${i}`, i)
    expect(limiter.take('k999', 999).ok).toBe(false)
  })

  // Regression: at the cap every bucket was dropped, the flooder's own included.
  it('keeps a busy bucket when other keys fill the table, so churning keys resets nothing', () => {
    const limiter = createRateLimiter({ rate: 1, burst: 1, maxKeys: 10 })
    expect(limiter.take('flood', 0).ok).toBe(true)
    for (let i = 0; i < 1_000; i++) {
      limiter.take(`churn-${i}`, 0)
      expect(limiter.take('flood', 0).ok).toBe(false)
    }
    expect(limiter.size()).toBeLessThanOrEqual(10)
  })

  it('drops buckets that are full again from the oldest end', () => {
    const limiter = createRateLimiter({ rate: 1, burst: 2 })
    for (let i = 0; i < 100; i++) limiter.take(`k${i}`, 0)
    // Two seconds later every bucket is full again: the next call clears them all.
    limiter.take('late', 2_000)
    expect(limiter.size()).toBe(1)
  })
})
