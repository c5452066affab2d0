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
 * Sites, their settings and suppression lists, cached for `ttlMs` (10 s) so
 * the ingest path does not query the store per request. Changes made through
 * this process's API invalidate at once; other instances see them within the
 * TTL.
 */
export function createSiteCache(store: EventStore, now: () => number, ttlMs = 10_000): SiteCache {
  const sites = new Map<string, { site: Site | undefined; until: number }>()
  const domains = new Map<string, { site: Site | undefined; until: number }>()
  const suppressed = new Map<string, { ids: Set<string>; until: number }>()

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
