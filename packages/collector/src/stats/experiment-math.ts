/**
 * A/B experiment statistics for `GET /v1/stats/experiments/:id`: per-variant conversion
 * rates with 95% Wilson score intervals, lift and a two-sided pooled two-proportion z-test
 * against the control, a sample-ratio-mismatch (SRM) check, and a verdict.
 *
 * Control: the `control` argument if given (it must name a variant), else the variant named
 * `control` if there is one, else the first variant.
 *
 * Significance and multiple comparisons: each treatment is compared with the control, and
 * with several treatments the per-comparison threshold is Bonferroni-corrected,
 * `alpha = 0.05 / (number of treatment variants)`, so the chance of declaring any false
 * winner stays at most 5%. With one treatment (the usual A/B test) `alpha` is 0.05.
 * A row is `significant` when its `pValue < alpha`; `alpha` is part of the result.
 *
 * Verdict:
 * 1. If the SRM check finds a mismatch (chi-square goodness-of-fit p < 0.001 of the exposed
 *    counts against the planned shares), the verdict is `inconclusive` whatever the rates say:
 *    assignment or exposure logging is broken, so the comparison is not trustworthy.
 * 2. Otherwise, if any significant treatment has a higher rate than the control, the verdict
 *    is `treatment` and the winner is the significant treatment with the highest rate (ties:
 *    the smaller p-value, then the first listed).
 * 3. Otherwise, if any significant treatment has a lower rate than the control, the verdict is
 *    `control` and the winner is the control.
 * 4. Otherwise `inconclusive`, with no winner.
 *
 * SRM: expected shares are the normalised `weight`s, or equal shares when no variant has one;
 * the statistic has k - 1 degrees of freedom. Its p-value is null with fewer than two
 * variants or no exposures at all. Variants with zero exposures take part (a planned variant
 * that received nobody is itself a mismatch).
 *
 * Edge cases: a variant with no exposures has rate 0 and a null interval, lift and p-value.
 * The p-value is also null when the pooled rate is 0 or 1 (the test is undefined). Lift is
 * null for the control row and when the control's rate is 0. An empty list of variants is
 * not an error (no exposures yet): it yields no rows and an inconclusive verdict.
 *
 * Input errors throw RangeError: counts that are not non-negative integers, conversions
 * above exposures, duplicate names, an unknown `control`, weights on some variants but not
 * all, or a weight that is not a finite number above 0.
 */
import gammainc from '@stdlib/math-base-special-gammainc'
import normalCdf from '@stdlib/stats-base-dists-normal-cdf'

export interface VariantInput {
  name: string
  exposed: number
  conversions: number
  /** Planned traffic share, relative to the other variants' weights (e.g. 50 and 50). */
  weight?: number
}

export interface Interval {
  low: number
  high: number
}

/** A type alias, not an interface, so a row is assignable to `Record<string, unknown>` (CSV rows). */
export type VariantResult = {
  name: string
  exposed: number
  conversions: number
  /** conversions / exposed, 0 when nobody was exposed. */
  conversionRate: number
  /** 95% Wilson score interval of the rate; null when nobody was exposed. */
  interval: Interval | null
  /** (rate - controlRate) / controlRate; null for the control, with no exposures or a control rate of 0. */
  liftVsControl: number | null
  /** Two-sided pooled two-proportion z-test against the control; null when it is undefined. */
  pValue: number | null
  /** pValue < alpha. */
  significant: boolean
}

export interface ExpectedShare {
  name: string
  share: number
}

export interface SampleRatioCheck {
  expected: ExpectedShare[]
  chiSquare: number
  pValue: number | null
  /** pValue < 0.001. */
  mismatch: boolean
}

export type Verdict = 'control' | 'treatment' | 'inconclusive'

export interface ExperimentAnalysis {
  control: string
  confidence: 0.95
  /** Per-comparison significance threshold: 0.05 divided by the number of treatments. */
  alpha: number
  variants: VariantResult[]
  srm: SampleRatioCheck
  verdict: Verdict
  winner: string | null
}

const CONFIDENCE = 0.95
/** 1 - CONFIDENCE, written out: 1 - 0.95 is 0.050000000000000044 in floating point. */
const ALPHA = 0.05
/** The standard normal quantile at 0.975. */
const Z_95 = 1.959963984540054
const SRM_ALPHA = 0.001

/** The 95% Wilson score interval of `x` successes in `n` trials (n > 0). */
function wilson(x: number, n: number): Interval {
  const p = x / n
  const z2 = Z_95 * Z_95
  const denominator = 1 + z2 / n
  const centre = (p + z2 / (2 * n)) / denominator
  const half = (Z_95 / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  return {
    low: x === 0 ? 0 : Math.max(0, centre - half),
    high: x === n ? 1 : Math.min(1, centre + half),
  }
}

/** Two-sided p-value of the pooled two-proportion z-test, or null when it is undefined. */
function twoProportionPValue(x1: number, n1: number, x2: number, n2: number): number | null {
  if (n1 === 0 || n2 === 0) return null
  const pooled = (x1 + x2) / (n1 + n2)
  if (pooled === 0 || pooled === 1) return null
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
  const z = (x2 / n2 - x1 / n1) / se
  // 2 * P(Z <= -|z|): the lower tail keeps precision for tiny p-values, unlike 1 - cdf.
  return Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1))
}

function sampleRatioCheck(variants: VariantInput[]): SampleRatioCheck {
  const weighted = variants.filter((v) => v.weight !== undefined).length
  if (weighted > 0 && weighted < variants.length) {
    throw new RangeError('weights: give a weight for every variant or for none')
  }
  for (const v of variants) {
    if (v.weight !== undefined && !(Number.isFinite(v.weight) && v.weight > 0)) {
      throw new RangeError(
        `variant ${v.name}: weight must be a finite number above 0, got ${v.weight}`,
      )
    }
  }
  const totalWeight = weighted ? variants.reduce((s, v) => s + v.weight!, 0) : variants.length
  const expected = variants.map((v) => ({
    name: v.name,
    share: (weighted ? v.weight! : 1) / totalWeight,
  }))
  const total = variants.reduce((s, v) => s + v.exposed, 0)
  if (variants.length < 2 || total === 0) {
    return { expected, chiSquare: 0, pValue: null, mismatch: false }
  }
  let chiSquare = 0
  variants.forEach((v, i) => {
    const e = expected[i]!.share * total
    chiSquare += (v.exposed - e) ** 2 / e
  })
  // Chi-square survival function with k - 1 degrees of freedom: Q((k - 1) / 2, x / 2).
  const pValue = gammainc(chiSquare / 2, (variants.length - 1) / 2, true, true)
  return { expected, chiSquare, pValue, mismatch: pValue < SRM_ALPHA }
}

function checkCounts(v: VariantInput) {
  for (const key of ['exposed', 'conversions'] as const) {
    if (!Number.isSafeInteger(v[key]) || v[key] < 0) {
      throw new RangeError(
        `variant ${v.name}: ${key} must be a non-negative integer, got ${v[key]}`,
      )
    }
  }
  if (v.conversions > v.exposed) {
    throw new RangeError(
      `variant ${v.name}: ${v.conversions} conversions exceed ${v.exposed} exposed`,
    )
  }
}

function controlOf(variants: VariantInput[], control: string | undefined): string {
  if (variants.length === 0) return control ?? ''
  if (control !== undefined) {
    if (!variants.some((v) => v.name === control))
      throw new RangeError(`control: no variant ${control}`)
    return control
  }
  return variants.some((v) => v.name === 'control') ? 'control' : variants[0]!.name
}

/** Analyses an experiment's exposure and conversion counts; see the comment at the top of the file. */
export function analyseExperiment(variants: VariantInput[], control?: string): ExperimentAnalysis {
  const names = new Set<string>()
  for (const v of variants) {
    if (names.has(v.name)) throw new RangeError(`variant ${v.name} is listed twice`)
    names.add(v.name)
    checkCounts(v)
  }
  const srm = sampleRatioCheck(variants)
  const controlName = controlOf(variants, control)
  const alpha = ALPHA / Math.max(1, variants.length - 1)
  const base = variants.find((v) => v.name === controlName)
  const controlRate = base && base.exposed > 0 ? base.conversions / base.exposed : 0

  const rows = variants.map((v): VariantResult => {
    const rate = v.exposed > 0 ? v.conversions / v.exposed : 0
    const isControl = v.name === controlName
    const pValue =
      isControl || !base
        ? null
        : twoProportionPValue(base.conversions, base.exposed, v.conversions, v.exposed)
    return {
      name: v.name,
      exposed: v.exposed,
      conversions: v.conversions,
      conversionRate: rate,
      interval: v.exposed > 0 ? wilson(v.conversions, v.exposed) : null,
      liftVsControl:
        isControl || v.exposed === 0 || controlRate === 0
          ? null
          : (rate - controlRate) / controlRate,
      pValue,
      significant: pValue !== null && pValue < alpha,
    }
  })

  let verdict: Verdict = 'inconclusive'
  let winner: string | null = null
  if (!srm.mismatch) {
    const significant = rows.filter((r) => r.name !== controlName && r.significant)
    const better = significant
      .filter((r) => r.conversionRate > controlRate)
      .sort((a, b) => b.conversionRate - a.conversionRate || a.pValue! - b.pValue!)
    if (better[0]) {
      verdict = 'treatment'
      winner = better[0].name
    } else if (significant.some((r) => r.conversionRate < controlRate)) {
      verdict = 'control'
      winner = controlName
    }
  }

  return {
    control: controlName,
    confidence: CONFIDENCE,
    alpha,
    variants: rows,
    srm,
    verdict,
    winner,
  }
}
