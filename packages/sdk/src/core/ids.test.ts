import { describe, expect, it } from 'vitest'
import { uuidv4, uuidv7 } from './ids'

const random = (seed: number) =>
  Uint8Array.from({ length: 16 }, (_, i) => (seed * 31 + i * 7) % 256)

describe('ids', () => {
  it('makes RFC 9562 v7 ids whose first 48 bits are the time', () => {
    const id = uuidv7(Date.UTC(2026, 0, 1), random(1))
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2026, 0, 1))
  })

  it('orders v7 ids by time whatever the random bits', () => {
    const ids = [3, 1, 2].map((s, i) => uuidv7(1_700_000_000_000 + i, random(s)))
    expect([...ids].sort()).toEqual(ids)
  })

  it('makes v4 ids', () => {
    expect(uuidv4(random(5))).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
  })
})
