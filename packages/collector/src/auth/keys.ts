import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { KeyRecord, KeyScope } from '../store/types'

/**
 * Keys are 32 random bytes in base64url behind a scope prefix, so a leaked
 * key is recognisable (and secret scanners can match it):
 * `pk_` write (public), `sk_read_` read, `sk_admin_` admin.
 */
const prefixes: Record<KeyScope, string> = {
  write: 'pk_',
  read: 'sk_read_',
  admin: 'sk_admin_',
}

/** sha256 of a key, hex. Keys carry 256 bits of entropy, so a fast hash is safe to store. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** Constant-time comparison of two keys. */
export function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(hashKey(a), 'hex')
  const y = Buffer.from(hashKey(b), 'hex')
  return timingSafeEqual(x, y)
}

/**
 * Makes a new key: the secret to hand out once, and the record to store.
 *
 * @example
 * const { secret, record } = generateKey({ siteId: 'demo', scope: 'read', now: Date.now() })
 * await store.createKey(record)
 */
export function generateKey(input: { siteId: string | null; scope: KeyScope; now: number }): {
  secret: string
  record: KeyRecord
} {
  const secret = prefixes[input.scope] + randomBytes(32).toString('base64url')
  return {
    secret,
    record: {
      id: randomBytes(9).toString('base64url'),
      siteId: input.siteId,
      scope: input.scope,
      hash: hashKey(secret),
      prefix: secret.slice(0, prefixes[input.scope].length + 6),
      publicKey: input.scope === 'write' ? secret : null,
      createdAt: input.now,
      revokedAt: null,
    },
  }
}
