import type { EventStore, Site } from '../store/types'

export interface SiteCache {
  byId(id: string): Promise<Site | undefined>
  byDomain(domain: string): Promise<Site | undefined>
  /** The site's suppression list as `userId:…` and `anonymousId:…` entries. */
  suppressions(siteId: string): Promise<ReadonlySet<string>>
  /** Forgets what is cached for a site (after a settings or suppression change). */
  invalidate(siteId: string): void
}

/**
 * A map that holds at most `max` entries, forgetting the least recently used
 * first (a Map iterates in insertion order; a hit is moved to the end).
 */
function lru<V>(max: number) {
  const map = new Map<string, V>()
  return {
    get(key: string): V | undefined {
      const value = map.get(key)
      if (value !== undefined) {
        map.delete(key)
        map.set(key, value)
      }
      return value
    },
    set(key: string, value: V): void {
      map.delete(key)
      map.set(key, value)
      if (map.size > max) map.delete(map.keys().next().value!)
    },
    delete: (key: string) => map.delete(key),
    clear: () => map.clear(),
  }
}

/**
 * Entries each cache holds at most. Lookups happen before any key is checked
 * (a Plausible or Umami event names its site by domain or id), so unknown
 * names are cached too, and without a cap anyone could fill memory with them.
 * 10,000 sites' settings are a few MB.
 */
const MAX_ENTRIES = 10_000

/**
 * Sites, their settings and suppression lists, cached for `ttlMs` (10 s) so
 * the ingest path does not query the store per request; each cache holds at
 * most `maxEntries` (least recently used go first). Changes made through
 * this process's API invalidate at once; other instances see them within the
 * TTL.
 */
export function createSiteCache(
  store: EventStore,
  now: () => number,
  ttlMs = 10_000,
  maxEntries = MAX_ENTRIES,
): SiteCache {
  const sites = lru<{ site: Site | undefined; until: number }>(maxEntries)
  const domains = lru<{ site: Site | undefined; until: number }>(maxEntries)
  const suppressed = lru<{ ids: Set<string>; until: number }>(maxEntries)

  async function suppressionSet(siteId: string): Promise<Set<string>> {
    const hit = suppressed.get(siteId)
    if (hit && hit.until > now()) return hit.ids
    const ids = new Set((await store.listSuppressions(siteId)).map((s) => `${s.kind}:${s.value}`))
    suppressed.set(siteId, { ids, until: now() + ttlMs })
    return ids
  }

  return {
    async byId(id) {
      const hit = sites.get(id)
      if (hit && hit.until > now()) return hit.site
      const site = await store.getSite(id)
      sites.set(id, { site, until: now() + ttlMs })
      return site
    },
    async byDomain(domain) {
      const key = domain.toLowerCase().replace(/^www\./, '')
      const hit = domains.get(key)
      if (hit && hit.until > now()) return hit.site
      const site = await store.findSiteByDomain(key)
      domains.set(key, { site, until: now() + ttlMs })
      return site
    },
    suppressions: suppressionSet,
    invalidate(siteId) {
      sites.delete(siteId)
      suppressed.delete(siteId)
      domains.clear()
    },
  }
}
