/** Where a visit came from: campaign parameters, click ids, referrer and landing page. */
export type Touch = Record<string, string>

/** The first touch (kept forever) and the last non-direct one. */
export type Attribution = { first?: Touch; last?: Touch }

export const ATTRIBUTION_KEY = 'pipit:v1:attribution'

/** The utm parameters; Segment's `context.campaign` drops `utm_` and calls `utm_campaign` `name`. */
const UTM = /^utm_(source|medium|campaign|term|content|id)$/

/** Ad click ids: Google, Meta, Microsoft, TikTok, LinkedIn, X, Reddit, Snap, Pinterest, Yandex, Impact, Mailchimp... */
export const CLICK_IDS =
  'gclid gbraid wbraid dclid fbclid msclkid ttclid li_fat_id twclid rdt_cid sccid epik yclid'.split(
    ' ',
  )

/**
 * The touch a landing URL and referrer describe, or undefined for a direct or
 * internal visit (which keeps the previous last touch, as last-non-direct
 * attribution does).
 *
 * @example
 * touchFrom('https://shop.test/?utm_source=news&gclid=abc', '')
 * // { source: 'news', gclid: 'abc', landing: 'https://shop.test/?utm_source=news&gclid=abc' }
 */
export function touchFrom(url: string, referrer: string): Touch | undefined {
  const touch: Touch = {}
  // Parsed by hand: `URL` is not an ECMAScript global (React Native's lacks searchParams).
  const query = url.split('#')[0]!.split('?')[1] ?? ''
  for (const pair of query.split('&')) {
    const [rawKey = '', rawValue = ''] = pair.split('=')
    const key = decode(rawKey).toLowerCase()
    const utm = UTM.exec(key)?.[1]
    const name = utm === 'campaign' ? 'name' : (utm ?? (CLICK_IDS.includes(key) ? key : undefined))
    const value = decode(rawValue)
    if (name && value) touch[name] = value.slice(0, 200)
  }
  const external = !!referrer && hostOf(referrer) !== hostOf(url)
  if (!external && Object.keys(touch).length === 0) return undefined
  if (external) touch.referrer = referrer
  touch.landing = url
  return touch
}

const hostOf = (url: string) => /^[a-z][\w+.-]*:\/\/([^/?#]+)/i.exec(url)?.[1]?.toLowerCase()

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}

/**
 * Merges this visit's touch into what was stored: the first touch is kept
 * forever (a direct first visit is recorded as its landing page), the last
 * touch is replaced by every new non-direct one.
 */
export function mergeTouches(
  stored: Attribution | undefined,
  touch: Touch | undefined,
  landing: string | undefined,
): Attribution {
  return {
    first: stored?.first ?? touch ?? (landing ? { landing } : undefined),
    last: touch ?? stored?.last,
  }
}
