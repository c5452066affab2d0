const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

function format(b: Uint8Array): string {
  const h = hex(b)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * A UUIDv7 (RFC 9562): 48 bits of milliseconds, then randomness. Message ids
 * are time-ordered so the collector's dedup index grows at its end instead of
 * rewriting random pages (about 4x faster inserts at millions of rows).
 *
 * @example
 * uuidv7(Date.now(), crypto.getRandomValues(new Uint8Array(16)))
 */
export function uuidv7(now: number, random: Uint8Array): string {
  const b = random.slice(0, 16)
  let ms = Math.max(0, Math.floor(now))
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  b[6] = (b[6]! & 0x0f) | 0x70
  b[8] = (b[8]! & 0x3f) | 0x80
  return format(b)
}

/** A random UUIDv4, for ids that must not reveal when they were made (anonymous ids). */
export function uuidv4(random: Uint8Array): string {
  const b = random.slice(0, 16)
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  return format(b)
}
