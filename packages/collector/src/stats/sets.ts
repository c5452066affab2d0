/** A set of visitor numbers as stored: sorted, 4 bytes each, little endian. */
export function encodeSet(vids: Iterable<number>): Buffer {
  const arr = Uint32Array.from(vids).sort()
  let n = 0
  for (let i = 0; i < arr.length; i++) if (i === 0 || arr[i] !== arr[n - 1]) arr[n++] = arr[i]!
  return Buffer.from(arr.buffer, arr.byteOffset, n * 4)
}

/** The visitor numbers (or `(vid, ms)` pairs) of a stored blob, copied to aligned memory. */
export function decodeSet(blob: Uint8Array): Uint32Array {
  // Copy: a driver's buffer may not be 4-byte aligned.
  const copy = new Uint8Array(blob.byteLength)
  copy.set(blob)
  return new Uint32Array(copy.buffer)
}

/**
 * Counts distinct visitor numbers over many stored sets, reusing one mark
 * array: exact uniques over a range are unions of daily sets, never sums.
 */
export class Union {
  private marks: Int32Array
  private generation = 0
  constructor(maxVid: number) {
    this.marks = new Int32Array(maxVid + 2)
  }
  /** Starts a new group: sets added from now on are counted together. */
  next() {
    this.generation++
  }
  /** Adds a set to the current group; returns how many were new. */
  add(set: Uint32Array): number {
    const g = this.generation
    const marks = this.marks
    let added = 0
    for (let i = 0; i < set.length; i++) {
      const v = set[i]!
      if (marks[v] !== g) {
        marks[v] = g
        added++
      }
    }
    return added
  }
}
