/**
 * A 32-bit hash of a string: FNV-1a, then MurmurHash3's finaliser. FNV alone
 * spreads keys that differ only at their end (`anon-1`, `anon-2`) poorly in
 * its high bits, which decide the variant; the finaliser mixes them.
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/**
 * The variant `unit` (a user or anonymous id) gets in `experiment`: the same
 * answer on every call, page and device that shares the id. Weights are
 * relative (`[1, 1]` = `[50, 50]`); missing, negative or all-zero weights
 * mean equal shares.
 *
 * @example
 * pickVariant('new-pricing', 'anon-1', ['control', 'test'], [90, 10])
 */
export function pickVariant<V>(
  experiment: string,
  unit: string,
  variants: readonly V[],
  weights?: readonly number[],
): V {
  let w = variants.map((_, i) => Math.max(0, Number(weights?.[i]) || 0))
  let sum = w.reduce((a, b) => a + b, 0)
  if (!sum) {
    w = variants.map(() => 1)
    sum = variants.length
  }
  // The hash spreads over [0, 1): 2^32 buckets, plenty for percentage splits.
  let point = (hash32(`${experiment}\u0000${unit}`) / 2 ** 32) * sum
  for (let i = 0; i < variants.length; i++) {
    point -= w[i]!
    if (point < 0) return variants[i]!
  }
  return variants[variants.length - 1]!
}
