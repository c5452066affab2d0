/** Segment's `context.campaign`: utm_source → source, utm_campaign → name, and so on. */
export interface Campaign {
  source: string | null
  medium: string | null
  name: string | null
  term: string | null
  content: string | null
  clickIds: Record<string, string>
}

/** Click ids ad networks append to landing URLs. Their presence marks a paid visit. */
export const CLICK_ID_PARAMS: readonly string[] = [
  'gclid', // Google Ads
  'gbraid', // Google Ads, iOS app-to-web
  'wbraid', // Google Ads, iOS web-to-app
  'dclid', // Google Display & Video 360
  'msclkid', // Microsoft Advertising
  'fbclid', // Meta (also added to organic shares, so not by itself "paid")
  'ttclid', // TikTok Ads
  'li_fat_id', // LinkedIn Ads
  'twclid', // X (Twitter) Ads
  'yclid', // Yandex Direct
  'epik', // Pinterest Ads
  'rdt_cid', // Reddit Ads
  'sccid', // Snapchat Ads
  'irclickid', // Impact affiliate network
]

/** Click ids that only ads add (fbclid is also on organic Facebook shares). */
export const PAID_CLICK_IDS: ReadonlySet<string> = new Set(
  CLICK_ID_PARAMS.filter((p) => p !== 'fbclid'),
)

const EMPTY: Campaign = {
  source: null,
  medium: null,
  name: null,
  term: null,
  content: null,
  clickIds: {},
}
const clean = (v: string | null | undefined) => {
  const t = typeof v === 'string' ? v.trim().slice(0, 255) : ''
  return t === '' ? null : t
}

/**
 * The campaign of a landing URL: `utm_*` parameters and click ids.
 *
 * @example
 * campaignFromUrl('https://shop.example/?utm_source=newsletter&gclid=abc')
 * // { source: 'newsletter', medium: null, …, clickIds: { gclid: 'abc' } }
 */
export function campaignFromUrl(url: string | null | undefined): Campaign {
  if (!url || !url.includes('?')) return EMPTY
  let params: URLSearchParams
  try {
    params = new URL(url).searchParams
  } catch {
    return EMPTY
  }
  const clickIds: Record<string, string> = {}
  for (const p of CLICK_ID_PARAMS) {
    const v = clean(params.get(p))
    if (v) clickIds[p] = v
  }
  return {
    source: clean(params.get('utm_source')),
    medium: clean(params.get('utm_medium')),
    name: clean(params.get('utm_campaign')),
    term: clean(params.get('utm_term')),
    content: clean(params.get('utm_content')),
    clickIds,
  }
}

/**
 * The campaign a client sent in `context.campaign` (Segment's place for it),
 * or null when it sent none.
 *
 * @example
 * campaignFromContext({ campaign: { source: 'google', medium: 'cpc' } })?.medium // 'cpc'
 */
export function campaignFromContext(
  context: Record<string, unknown> | null | undefined,
): Campaign | null {
  const c = context?.campaign
  if (!c || typeof c !== 'object' || Array.isArray(c)) return null
  const o = c as Record<string, unknown>
  const s = (k: string) => clean(typeof o[k] === 'string' ? o[k] : null)
  const campaign = {
    source: s('source'),
    medium: s('medium'),
    name: s('name'),
    term: s('term'),
    content: s('content'),
  }
  if (Object.values(campaign).every((v) => v === null)) return null
  return { ...campaign, clickIds: {} }
}
