import { describe, expect, it } from 'vitest'
import { hash32, pickVariant } from './experiments'

const HASHES = [2872998923, 444641715, 1896959353]

describe('pickVariant', () => {
  const units = Array.from({ length: 20_000 }, (_, i) => `anon-${i}`)

  it('gives a unit the same variant every time, and different units different ones', () => {
    const v = pickVariant('exp', 'anon-1', ['a', 'b', 'c'])
    for (let i = 0; i < 10; i++) expect(pickVariant('exp', 'anon-1', ['a', 'b', 'c'])).toBe(v)
    expect(new Set(units.slice(0, 50).map((u) => pickVariant('exp', u, ['a', 'b'])))).toEqual(
      new Set(['a', 'b']),
    )
  })

  it('splits by weight within 1.5 points over 20 000 units', () => {
    const counts = { control: 0, test: 0 }
    for (const u of units)
      counts[pickVariant('pricing', u, ['control', 'test'] as const, [90, 10])]++
    expect(Math.abs(counts.test / units.length - 0.1)).toBeLessThan(0.015)
  })

  it('splits evenly without weights or with unusable ones', () => {
    for (const weights of [undefined, [0, 0, 0], [-1, Number.NaN, -3]]) {
      const counts = [0, 0, 0]
      for (const u of units) counts[pickVariant('e', u, [0, 1, 2], weights)]! += 1
      for (const c of counts) expect(Math.abs(c / units.length - 1 / 3)).toBeLessThan(0.015)
    }
  })

  it('assigns independently per experiment', () => {
    const same = units
      .slice(0, 2_000)
      .filter((u) => pickVariant('e1', u, ['a', 'b']) === pickVariant('e2', u, ['a', 'b']))
    expect(Math.abs(same.length / 2_000 - 0.5)).toBeLessThan(0.05)
  })

  it('hashes to stable unsigned 32-bit values (assignments must never change between releases)', () => {
    expect([hash32(''), hash32('a'), hash32('exp\u0000anon-1')]).toEqual(HASHES)
  })
})
