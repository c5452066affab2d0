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
})
