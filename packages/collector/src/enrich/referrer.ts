import type { Campaign } from './campaign'
import { PAID_CLICK_IDS } from './campaign'
import { EMAIL_HOSTS, SEARCH_ENGINES, SOCIAL_NETWORKS, SOURCE_ALIASES } from './referrer-hosts'

export type Channel = 'direct' | 'search' | 'social' | 'email' | 'paid' | 'referral'

type Table = Record<string, readonly string[]>

function scan(host: string, table: Table): string | null {
  for (const [name, patterns] of Object.entries(table)) {
    for (const p of patterns) {
      if (p.endsWith('.')) {
        // 'google.' matches google.com, google.co.uk and news.google.de.
        const at = host.indexOf(p)
        if (at === 0 || (at > 0 && host[at - 1] === '.')) return name
      } else if (host === p || host.endsWith(`.${p}`)) return name
    }
  }
  return null
}

/** Scanning the tables costs ~1 µs a host; real traffic has few distinct referrer hosts. */
const memo = new Map<Table, Map<string, string | null>>()
function lookup(host: string, table: Table): string | null {
  let m = memo.get(table)
  if (!m) memo.set(table, (m = new Map<string, string | null>()))
  let name = m.get(host)
  if (name === undefined) {
    name = scan(host, table)
    if (m.size >= 10_000) m.clear()
    m.set(host, name)
  }
  return name
}

const PAID_MEDIUM = /^(cpc|ppc|cpm|cpv|cpa|paid.*|display|banner|retargeting|affiliate)$/i
const EMAIL = /^(e-?mail|newsletter)$/i
const SOCIAL_MEDIUM = /^(social|social-network|social-media|sm)$/i

/**
 * Where a visit came from, as a marketer reads it: a `source` (utm_source,
 * else a known referrer's name, else the referrer's host) and a `channel`.
 * The channel rules follow GA4's default channel grouping, in this order:
 * paid (a paid utm_medium or an ad click id), email (utm says email or a
 * webmail referrer), social (a known network by utm_source or referrer),
 * search (a known engine), referral (any other external referrer), direct
 * (no referrer, or one from the page's own host, and no campaign).
 *
 * @example
 * classifyTraffic({ referrerHost: 'google.co.uk', pageHost: 'shop.example', campaign })
 * // { source: 'Google', referrerHost: 'google.co.uk', channel: 'search' }
 */
export function classifyTraffic(input: {
  /** The referrer's host, lowercase, without `www.` (see `UrlFacts.host`). */
  referrerHost: string | null
  pageHost: string | null
  campaign: Campaign
}): { source: string | null; referrerHost: string | null; channel: Channel } {
  const { campaign } = input
  // A referrer on the page's own host is navigation inside the site.
  const host = input.referrerHost === input.pageHost ? null : input.referrerHost
  const utmSource = campaign.source?.toLowerCase() ?? null
  const known = host
    ? // Webmail first: 'google.' would also match mail.google.com.
      (lookup(host, EMAIL_HOSTS) ?? lookup(host, SOCIAL_NETWORKS) ?? lookup(host, SEARCH_ENGINES))
    : null
  const source = campaign.source ? (SOURCE_ALIASES[utmSource!] ?? campaign.source) : (known ?? host)
  const medium = campaign.medium ?? ''
  const paidClick = Object.keys(campaign.clickIds).some((id) => PAID_CLICK_IDS.has(id))

  let channel: Channel
  if (PAID_MEDIUM.test(medium) || paidClick) channel = 'paid'
  else if (
    EMAIL.test(medium) ||
    (utmSource !== null && EMAIL.test(utmSource)) ||
    (host && lookup(host, EMAIL_HOSTS))
  )
    channel = 'email'
  else if (
    SOCIAL_MEDIUM.test(medium) ||
    (utmSource !== null &&
      SOURCE_ALIASES[utmSource] !== undefined &&
      SOCIAL_NETWORKS[SOURCE_ALIASES[utmSource]]) ||
    (host && lookup(host, SOCIAL_NETWORKS))
  )
    channel = 'social'
  else if (
    (utmSource !== null &&
      SOURCE_ALIASES[utmSource] !== undefined &&
      SEARCH_ENGINES[SOURCE_ALIASES[utmSource]]) ||
    (host && lookup(host, SEARCH_ENGINES))
  )
    channel = 'search'
  else if (host || campaign.source) channel = 'referral'
  else channel = 'direct'
  return { source, referrerHost: host, channel }
}
