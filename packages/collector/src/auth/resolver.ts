import type { EventStore, KeyRecord } from '../store/types'
import { hashKey, sameKey } from './keys'

/** What a presented key grants. */
export interface Principal {
  kind: 'write' | 'read' | 'admin'
  /** The site the key belongs to; null for instance-wide admin keys. */
  siteId: string | null
  keyId: string
}

export interface KeyResolver {
  resolve(key: string): Promise<Principal | undefined>
  /** Drops cached lookups, so a revocation in this process applies at once. */
  forget(): void
}

/**
 * Looks keys up by hash, with a short cache so the ingest path does not hit
 * the store on every request. A cached entry lives `ttlMs` (10 s by default),
 * which bounds how long a revoked key keeps working.
 *
 * @example
 * const principal = await resolver.resolve(bearerToken)
 */
export function createKeyResolver(options: {
  store: EventStore
  /** The bootstrap admin key from `PIPIT_ADMIN_KEY`; never stored. */
  adminKey?: string | undefined
  now: () => number
  ttlMs?: number
}): KeyResolver {
  const ttl = options.ttlMs ?? 10_000
  const cache = new Map<string, { principal: Principal | undefined; until: number }>()
  const maxEntries = 10_000

  return {
    async resolve(key) {
      if (!key) return undefined
      if (options.adminKey && sameKey(key, options.adminKey)) {
        return { kind: 'admin', siteId: null, keyId: 'env:PIPIT_ADMIN_KEY' }
      }
      const hash = hashKey(key)
      const now = options.now()
      const hit = cache.get(hash)
      if (hit && hit.until > now) return hit.principal
      const record = await options.store.findKeyByHash(hash)
      const principal = record && !record.revokedAt ? toPrincipal(record) : undefined
      if (cache.size >= maxEntries) cache.clear()
      cache.set(hash, { principal, until: now + ttl })
      return principal
    },
    forget: () => cache.clear(),
  }
}

function toPrincipal(record: KeyRecord): Principal {
  return { kind: record.scope, siteId: record.siteId, keyId: record.id }
}

/** True when `principal` may read (or, with `admin`, administer) `siteId`. */
export function canAccess(principal: Principal, siteId: string, need: 'read' | 'admin'): boolean {
  if (principal.siteId !== null && principal.siteId !== siteId) return false
  if (need === 'admin') return principal.kind === 'admin'
  return principal.kind === 'read' || principal.kind === 'admin'
}
