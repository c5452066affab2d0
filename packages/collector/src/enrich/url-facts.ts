import type { Campaign } from './campaign'
import { campaignFromUrl } from './campaign'

/** What the pipeline needs from one URL, parsed once. */
export interface UrlFacts {
  path: string | null
  /** Lowercase host without `www.`; for `android-app://` referrers, the app's package. */
  host: string | null
  campaign: Campaign
  /** Lowercased query parameter names, to tell cheaply whether stripping is needed. */
  params: readonly string[]
}

const NONE: UrlFacts = {
  path: null,
  host: null,
  campaign: campaignFromUrl(null),
  params: [],
}

function parse(url: string): UrlFacts {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return NONE
  }
  const raw = (
    u.protocol === 'android-app:' ? u.host || u.pathname.replace(/^\/\//, '') : u.hostname
  ).toLowerCase()
  return {
    path: u.protocol === 'android-app:' ? null : u.pathname,
    host: (raw.startsWith('www.') ? raw.slice(4) : raw) || null,
    campaign: campaignFromUrl(url),
    params: [...new Set([...u.searchParams.keys()].map((k) => k.toLowerCase()))],
  }
}

/**
 * Parsed URLs behind an LRU cache. Parsing costs a few microseconds, and an
 * event needs its page URL's path, host and campaign and its referrer's host
 * several times over; real traffic repeats the same few thousand URLs, so at
 * tens of thousands of events a second the cache saves most of the parsing.
 *
 * @example
 * const urls = createUrlFacts()
 * urls.of('https://shop.example/p?utm_source=x').campaign.source // 'x'
 */
export interface UrlFactsCache {
  of(url: string | null | undefined): UrlFacts
}

export function createUrlFacts(options: { cacheSize?: number } = {}): UrlFactsCache {
  const size = options.cacheSize ?? 10_000
  const cache = new Map<string, UrlFacts>()
  return {
    of(url: string | null | undefined): UrlFacts {
      if (!url) return NONE
      const hit = cache.get(url)
      if (hit) return hit
      const facts = parse(url.length > 4_000 ? url.slice(0, 4_000) : url)
      // Evict the oldest insertion: cheaper than true LRU, as good for a hot set.
      if (cache.size >= size) cache.delete(cache.keys().next().value!)
      cache.set(url, facts)
      return facts
    },
  }
}
