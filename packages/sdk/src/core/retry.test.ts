import { describe, expect, it } from 'vitest'
import { backoff, classify, rejectedIndexes, retryAfterMs } from './retry'

describe('classify', () => {
  it.each([
    [undefined, 'retry'],
    [200, 'ok'],
    [204, 'ok'],
    [0, 'unknown'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [413, 'split'],
    [400, 'reject'],
    [401, 'pause'],
    [403, 'pause'],
    [404, 'pause'],
  ] as const)('%s → %s', (status, verdict) => {
    expect(classify(status === undefined ? undefined : { status })).toBe(verdict)
  })

  it('reads the per-event rejections of a 200 answer', () => {
    expect(rejectedIndexes({ rejected: [{ index: 1 }, { index: 4 }] })).toEqual([1, 4])
    expect(rejectedIndexes(undefined)).toEqual([])
    expect(rejectedIndexes({ rejected: 'x' })).toEqual([])
  })
})

describe('backoff', () => {
  it('doubles from 1 s up to the cap, jittered within the upper half', () => {
    expect([0, 1, 2, 3].map((a) => backoff(a, 1))).toEqual([1_000, 2_000, 4_000, 8_000])
    expect([0, 1, 2, 3].map((a) => backoff(a, 0))).toEqual([500, 1_000, 2_000, 4_000])
    expect(backoff(30, 1)).toBe(60_000)
  })
})

describe('retryAfterMs', () => {
  const now = Date.UTC(2026, 0, 1)
  it('reads seconds and HTTP dates, caps at 10 minutes', () => {
    expect(retryAfterMs('3', now)).toBe(3_000)
    expect(retryAfterMs(new Date(now + 7_000).toUTCString(), now)).toBe(7_000)
    expect(retryAfterMs('86400', now)).toBe(600_000)
    expect(retryAfterMs('soon', now)).toBeUndefined()
    expect(retryAfterMs(null, now)).toBeUndefined()
  })
})
