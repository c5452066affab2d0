import { isbotMatch } from 'isbot'
import { UAParser } from 'ua-parser-js'

export interface UserAgentInfo {
  browser: string | null
  /** Major version only: finer versions add cardinality, not insight. */
  browserVersion: string | null
  os: string | null
  osVersion: string | null
  deviceType: 'desktop' | 'mobile' | 'tablet' | 'tv' | 'console' | 'wearable' | 'other'
  isBot: boolean
  /** What identified the bot, for counting reasons; null for people. */
  botPattern: string | null
}

const deviceTypes: Record<string, UserAgentInfo['deviceType']> = {
  mobile: 'mobile',
  tablet: 'tablet',
  smarttv: 'tv',
  console: 'console',
  wearable: 'wearable',
}
const desktopOs = /^(windows|mac ?os|linux|ubuntu|debian|fedora|chrom(e|ium) ?os|freebsd|openbsd)/i

function parseUncached(ua: string): UserAgentInfo {
  const match = isbotMatch(ua)
  const r = new UAParser(ua).getResult()
  const type = r.device.type
  const deviceType = type
    ? (deviceTypes[type] ?? 'other')
    : r.os.name && desktopOs.test(r.os.name)
      ? 'desktop'
      : 'other'
  return {
    browser: r.browser.name ?? null,
    browserVersion: r.browser.major ?? null,
    os: r.os.name ?? null,
    osVersion: r.os.version ?? null,
    deviceType,
    isBot: match !== null,
    botPattern: match,
  }
}

const EMPTY: UserAgentInfo = {
  browser: null,
  browserVersion: null,
  os: null,
  osVersion: null,
  deviceType: 'other',
  isBot: true,
  botPattern: 'empty user agent',
}

/**
 * User agents parsed with ua-parser-js and checked with isbot, behind an LRU
 * cache: an uncached parse costs ~80 µs (about 12,000 a second on one core)
 * while real traffic repeats a few hundred user agents, so the cache keeps
 * parsing off the ingest path. An empty user agent counts as a bot, as
 * Plausible and PostHog count it.
 *
 * @example
 * const agents = createUserAgentParser()
 * agents.parse(request.headers.get('user-agent')).deviceType // 'mobile'
 */
export function createUserAgentParser(options: { cacheSize?: number } = {}) {
  const cacheSize = options.cacheSize ?? 5_000
  const cache = new Map<string, UserAgentInfo>()
  return {
    cacheSize,
    parse(userAgent: string | null | undefined): UserAgentInfo {
      const ua = userAgent?.trim()
      if (!ua) return EMPTY
      const hit = cache.get(ua)
      if (hit) {
        // Re-insert so the Map's order is least recently used first.
        cache.delete(ua)
        cache.set(ua, hit)
        return hit
      }
      const info = parseUncached(ua.slice(0, 1_000))
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!)
      cache.set(ua, info)
      return info
    },
    /** Entries held now (for tests and metrics). */
    size: () => cache.size,
  }
}
