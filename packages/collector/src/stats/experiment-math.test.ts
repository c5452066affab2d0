import { describe, expect, it } from 'vitest'
import { analyseExperiment, type VariantInput } from './experiment-math'

// Reference values were computed independently with Python's standard library
// (statistics.NormalDist for the 0.975 quantile, math.erfc for normal tails, and the
// closed forms of the chi-square survival function: erfc(sqrt(x/2)) for 1 degree of
// freedom, exp(-x/2) for 2).

const v = (name: string, exposed: number, conversions: number, weight?: number): VariantInput =>
  weight === undefined ? { name, exposed, conversions } : { name, exposed, conversions, weight }

const row = (variants: VariantInput[], name: string, control?: string) =>
  analyseExperiment(variants, control).variants.find((r) => r.name === name)!

/** |actual - expected| <= rel * |expected| (for p-values spanning many orders of magnitude). */
function expectRelClose(actual: number | null, expected: number, rel = 1e-6) {
  expect(actual).not.toBeNull()
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(rel * Math.abs(expected))
}

describe('Wilson score interval (95%)', () => {
  it.each([
    [50, 100, 0.4038315303659957, 0.5961684696340044],
    [0, 10, 0, 0.27753279986288915],
    [10, 10, 0.7224672001371109, 1],
    [3, 7, 0.1582198552514697, 0.7495416354723428],
    [200, 1000, 0.17637709044319852, 0.22591896464813463],
    [1, 1, 0.20654931437723745, 1],
  ])('%i of %i is [%f, %f]', (x, n, low, high) => {
    const r = row([v('control', n, x)], 'control')
    expect(r.conversionRate).toBe(x / n)
    expect(r.interval!.low).toBeCloseTo(low, 10)
    expect(r.interval!.high).toBeCloseTo(high, 10)
  })

  it('is exactly 0 or 1 at the edges (no floating-point residue)', () => {
    expect(row([v('control', 10, 0)], 'control').interval!.low).toBe(0)
    expect(row([v('control', 10, 10)], 'control').interval!.high).toBe(1)
  })

  it('is null when nobody was exposed, and the rate is 0', () => {
    const r = row([v('control', 0, 0)], 'control')
    expect(r.interval).toBeNull()
    expect(r.conversionRate).toBe(0)
  })
})

describe('two-proportion z-test against the control', () => {
  it('matches 200/1000 vs 250/1000: z = 2.6774, two-sided p = 0.0074196', () => {
    const r = row([v('control', 1000, 200), v('treatment', 1000, 250)], 'treatment')
    expectRelClose(r.pValue, 0.007419649261025693)
    expect(r.liftVsControl).toBeCloseTo(0.25, 12)
    expect(r.significant).toBe(true)
  })

  it('is symmetric in direction', () => {
    const r = row([v('control', 1000, 250), v('treatment', 1000, 200)], 'treatment')
    expectRelClose(r.pValue, 0.007419649261025693)
    expect(r.liftVsControl).toBeCloseTo(-0.2, 12)
  })

  it.each([
    [100, 1000, 110, 1000, 0.46574358793363524],
    [200, 1000, 240, 1000, 0.030837167828904333],
    [1000, 10000, 1100, 10000, 0.02107518927379784],
    [1000, 10000, 1200, 10000, 6.188458781738805e-6],
    [500, 5000, 700, 4500, 3.9980147824205985e-16],
    [100, 10000, 1000, 10000, 1.7779188368236236e-171],
  ])('%i/%i vs %i/%i has p = %f (precise far into the tail)', (x1, n1, x2, n2, p) => {
    expectRelClose(row([v('control', n1, x1), v('b', n2, x2)], 'b').pValue, p)
  })

  it('gives p = 1 for equal rates', () => {
    expect(row([v('control', 1000, 200), v('b', 1000, 200)], 'b').pValue).toBeCloseTo(1, 12)
  })

  it('is null for the control row and when the pooled rate is 0 or 1', () => {
    expect(row([v('control', 1000, 200), v('b', 1000, 250)], 'control')).toMatchObject({
      pValue: null,
      liftVsControl: null,
      significant: false,
    })
    expect(row([v('control', 100, 0), v('b', 100, 0)], 'b')).toMatchObject({
      pValue: null,
      significant: false,
    })
    expect(row([v('control', 100, 100), v('b', 50, 50)], 'b')).toMatchObject({
      pValue: null,
      liftVsControl: 0,
    })
  })

  it('has a null lift when the control rate is 0', () => {
    const r = row([v('control', 1000, 0), v('b', 1000, 30)], 'b')
    expect(r.liftVsControl).toBeNull()
    expect(r.pValue).not.toBeNull()
  })
})

describe('sample ratio mismatch', () => {
  it('5000 vs 5000 at 50/50: chi-square 0, p = 1', () => {
    const { srm } = analyseExperiment([v('control', 5000, 500), v('b', 5000, 500)])
    expect(srm.expected).toEqual([
      { name: 'control', share: 0.5 },
      { name: 'b', share: 0.5 },
    ])
    expect(srm.chiSquare).toBe(0)
    expect(srm.pValue).toBeCloseTo(1, 12)
    expect(srm.mismatch).toBe(false)
  })

  it('5000 vs 4700 at 50/50: chi-square 9.2784, p = 0.0023188, below the 0.001 bar', () => {
    const { srm } = analyseExperiment([v('control', 5000, 500), v('b', 4700, 470)])
    expect(srm.chiSquare).toBeCloseTo(9.278350515463918, 10)
    expectRelClose(srm.pValue, 0.0023187814543345836)
    expect(srm.mismatch).toBe(false)
  })

  it('5000 vs 4500 at 50/50 is a mismatch: chi-square 26.316, p = 2.899e-7', () => {
    const { srm } = analyseExperiment([v('control', 5000, 500), v('b', 4500, 450)])
    expect(srm.chiSquare).toBeCloseTo(26.31578947368421, 10)
    expectRelClose(srm.pValue, 2.899088282877566e-7)
    expect(srm.mismatch).toBe(true)
  })

  it('uses the weights: 9000/1000 fits 90/10 exactly but not 50/50', () => {
    const fits = analyseExperiment([v('control', 9000, 900, 90), v('b', 1000, 100, 10)]).srm
    expect(fits.expected.map((e) => e.share)).toEqual([0.9, 0.1])
    expect(fits.chiSquare).toBeCloseTo(0, 10)
    expect(fits.pValue).toBeCloseTo(1, 10)
    expect(fits.mismatch).toBe(false)
    const even = analyseExperiment([v('control', 9000, 900, 1), v('b', 1000, 100, 1)]).srm
    expect(even.chiSquare).toBeCloseTo(6400, 8)
    expect(even.mismatch).toBe(true)
  })

  it('has k - 1 degrees of freedom with three variants', () => {
    const close = analyseExperiment([v('control', 1000, 0), v('b', 1050, 0), v('c', 950, 0)]).srm
    expect(close.chiSquare).toBeCloseTo(5, 10)
    expectRelClose(close.pValue, 0.0820849986238988)
    expect(close.mismatch).toBe(false)
    const off = analyseExperiment([v('control', 1000, 0), v('b', 1100, 0), v('c', 900, 0)]).srm
    expect(off.chiSquare).toBeCloseTo(20, 10)
    expectRelClose(off.pValue, 4.5399929762484854e-5)
    expect(off.mismatch).toBe(true)
  })

  it('counts a variant that received nobody', () => {
    const { srm } = analyseExperiment([v('control', 1000, 100), v('b', 0, 0)])
    expect(srm.chiSquare).toBeCloseTo(1000, 8)
    expectRelClose(srm.pValue, 1.7958327848006385e-219, 1e-4)
    expect(srm.mismatch).toBe(true)
  })

  it('has a null p-value with no exposures or a single variant', () => {
    expect(analyseExperiment([v('control', 0, 0), v('b', 0, 0)]).srm).toEqual({
      expected: [
        { name: 'control', share: 0.5 },
        { name: 'b', share: 0.5 },
      ],
      chiSquare: 0,
      pValue: null,
      mismatch: false,
    })
    expect(analyseExperiment([v('control', 100, 10)]).srm).toMatchObject({
      pValue: null,
      mismatch: false,
    })
  })
})

describe('verdict', () => {
  it('treatment wins: significantly higher rate', () => {
    const a = analyseExperiment([v('control', 1000, 200), v('treatment', 1000, 250)])
    expect(a).toMatchObject({
      control: 'control',
      confidence: 0.95,
      alpha: 0.05,
      verdict: 'treatment',
    })
    expect(a.winner).toBe('treatment')
  })

  it('control wins: the treatment is significantly lower', () => {
    const a = analyseExperiment([v('control', 1000, 250), v('treatment', 1000, 200)])
    expect(a.verdict).toBe('control')
    expect(a.winner).toBe('control')
  })

  it('inconclusive: no significant difference', () => {
    const a = analyseExperiment([v('control', 1000, 100), v('treatment', 1000, 110)])
    expect(a.verdict).toBe('inconclusive')
    expect(a.winner).toBeNull()
    expect(a.variants[1]!.liftVsControl).toBeCloseTo(0.1, 12)
  })

  it('an SRM mismatch forces inconclusive even with a strong effect', () => {
    const a = analyseExperiment([v('control', 5000, 500), v('treatment', 4500, 700)])
    expect(a.srm.mismatch).toBe(true)
    expect(a.variants[1]!.significant).toBe(true)
    expect(a.verdict).toBe('inconclusive')
    expect(a.winner).toBeNull()
  })

  it('zero-exposure treatment: null stats, SRM mismatch, inconclusive', () => {
    const a = analyseExperiment([v('control', 1000, 100), v('treatment', 0, 0)])
    expect(a.variants[1]).toEqual({
      name: 'treatment',
      exposed: 0,
      conversions: 0,
      conversionRate: 0,
      interval: null,
      liftVsControl: null,
      pValue: null,
      significant: false,
    })
    expect(a.verdict).toBe('inconclusive')
  })

  it('zero-exposure control: nothing to compare against', () => {
    const a = analyseExperiment([v('control', 0, 0), v('treatment', 0, 0)])
    expect(a.variants.map((r) => [r.pValue, r.liftVsControl, r.interval])).toEqual([
      [null, null, null],
      [null, null, null],
    ])
    expect(a.verdict).toBe('inconclusive')
    expect(a.winner).toBeNull()
  })

  it('three variants: the significant treatment with the highest rate wins (alpha 0.05 / 2)', () => {
    const a = analyseExperiment([
      v('control', 10000, 1000),
      v('b', 10000, 1100),
      v('c', 10000, 1200),
    ])
    expect(a.alpha).toBe(0.025)
    expectRelClose(a.variants[1]!.pValue, 0.02107518927379784)
    expect(a.variants.map((r) => r.significant)).toEqual([false, true, true])
    expect(a.verdict).toBe('treatment')
    expect(a.winner).toBe('c')
  })

  it('three variants: Bonferroni keeps p = 0.031 from being called significant', () => {
    const a = analyseExperiment([v('control', 1000, 200), v('b', 1000, 240), v('c', 1000, 210)])
    expectRelClose(a.variants[1]!.pValue, 0.030837167828904333)
    expect(a.variants[1]!.significant).toBe(false)
    expect(a.verdict).toBe('inconclusive')
  })

  it('three variants: control wins when one is significantly lower and none significantly higher', () => {
    const a = analyseExperiment([v('control', 1000, 250), v('b', 1000, 200), v('c', 1000, 260)])
    expect(a.verdict).toBe('control')
    expect(a.winner).toBe('control')
  })

  it('three variants: a significantly better treatment beats a significantly worse one', () => {
    const a = analyseExperiment([
      v('control', 10000, 1000),
      v('b', 10000, 800),
      v('c', 10000, 1200),
    ])
    expect(a.verdict).toBe('treatment')
    expect(a.winner).toBe('c')
  })

  it('an empty experiment is inconclusive, not an error', () => {
    expect(analyseExperiment([])).toEqual({
      control: '',
      confidence: 0.95,
      alpha: 0.05,
      variants: [],
      srm: { expected: [], chiSquare: 0, pValue: null, mismatch: false },
      verdict: 'inconclusive',
      winner: null,
    })
    expect(analyseExperiment([], 'a').control).toBe('a')
  })
})

describe('choice of control', () => {
  const variants = [v('a', 1000, 250), v('control', 1000, 200), v('b', 1000, 200)]

  it('takes the variant named control, wherever it is listed', () => {
    const a = analyseExperiment(variants)
    expect(a.control).toBe('control')
    expect(a.variants[0]!.liftVsControl).toBeCloseTo(0.25, 12)
    expect(a.variants[1]!.pValue).toBeNull()
  })

  it('takes the given control', () => {
    const a = analyseExperiment(variants, 'a')
    expect(a.control).toBe('a')
    expect(a.variants[0]!.pValue).toBeNull()
    expect(a.variants[1]!.liftVsControl).toBeCloseTo(-0.2, 12)
    expect(a.verdict).toBe('control')
  })

  it('else takes the first variant', () => {
    expect(analyseExperiment([v('x', 10, 1), v('y', 10, 2)]).control).toBe('x')
  })
})

describe('input errors', () => {
  it.each([
    ['a negative count', [v('control', -1, 0)]],
    ['a non-integer count', [v('control', 10.5, 1)]],
    ['a NaN count', [v('control', 10, NaN)]],
    ['conversions above exposures', [v('control', 10, 11)]],
    ['duplicate names', [v('control', 10, 1), v('control', 10, 1)]],
    ['weights on some variants only', [v('control', 10, 1, 50), v('b', 10, 1)]],
    ['a weight of 0', [v('control', 10, 1, 0), v('b', 10, 1, 1)]],
    ['a negative weight', [v('control', 10, 1, -1), v('b', 10, 1, 1)]],
    ['an infinite weight', [v('control', 10, 1, Infinity), v('b', 10, 1, 1)]],
    ['a NaN weight', [v('control', 10, 1, NaN), v('b', 10, 1, 1)]],
  ])('throws RangeError for %s', (_, variants) => {
    expect(() => analyseExperiment(variants)).toThrow(RangeError)
  })

  it('throws RangeError for a control that is not a variant', () => {
    expect(() => analyseExperiment([v('a', 10, 1), v('b', 10, 1)], 'c')).toThrow(RangeError)
  })
})
