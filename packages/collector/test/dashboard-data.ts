/**
 * Realistic, deterministic traffic for the dashboard's browser test, sent
 * through the real ingest route: a few thousand page views and events over the
 * last 45 days from three browsers, several countries (a proxy header),
 * referrers and UTM campaigns, a `/` → `/pricing` → `Signup` path for funnels,
 * returning visitors for retention, a `pricing-test` experiment whose
 * treatment converts better, and a few visitors in the last minutes for the
 * realtime counter.
 */

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export const COUNTRY_HEADER = 'x-test-country'

/** mulberry32: a seeded PRNG, so every run sends the same traffic (relative to now). */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
]
const COUNTRIES = ['US', 'US', 'US', 'DE', 'DE', 'GB', 'FR', 'IN', 'BR', 'NP']
const REFERRERS = [
  null,
  null,
  'https://www.google.com/',
  'https://www.google.com/',
  'https://t.co/abc',
  'https://news.ycombinator.com/',
  'https://github.com/pipit-analytics/pipit',
]
const CAMPAIGNS = [
  { source: 'newsletter', medium: 'email', name: 'spring-sale', content: 'header' },
  { source: 'google', medium: 'cpc', name: 'brand', term: 'privacy analytics' },
  { source: 'twitter', medium: 'social', name: 'launch-week', content: 'thread' },
]
const PAGES = ['/', '/docs', '/blog/hello', '/blog/privacy', '/features', '/about', '/docs/install']

type Message = Record<string, unknown>

/** Every visitor's events, grouped by the country header their requests carry. */
export function dashboardTraffic(now: number, visitors = 800, seed = 7) {
  const random = rng(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const byCountry = new Map<string, Message[]>()
  let n = 0
  for (let v = 0; v < visitors; v++) {
    const anonymousId = `dash-visitor-${v}`
    const agent = pick(AGENTS)
    const country = pick(COUNTRIES)
    const variant = v % 2 === 0 ? 'control' : 'treatment'
    const list = byCountry.get(country) ?? []
    byCountry.set(country, list)
    // The last few visitors are here right now (realtime); the others over 45 days.
    const live = v >= visitors - 4
    const visits = live ? 1 : random() < 0.35 ? 2 + Math.floor(random() * 3) : 1
    let t = live ? now - (1 + v - (visitors - 4)) * MINUTE : now - Math.floor(random() * 45 * DAY)
    for (let s = 0; s < visits; s++) {
      // Only the live visitors are in the last hours (the realtime counter's 5 minutes).
      if (!live && t > now - 2 * HOUR) {
        if (s > 0) break
        t = now - 2 * HOUR - Math.floor(random() * DAY)
      }
      const referrer = pick(REFERRERS)
      const campaign = random() < 0.2 ? pick(CAMPAIGNS) : undefined
      const path: string[] = []
      const events: [number, string, Record<string, unknown>][] = []
      const start = random() < 0.5 ? '/' : pick(PAGES)
      path.push(start)
      if (start === '/' && random() < 0.45) {
        path.push('/pricing')
        events.push([
          path.length - 1,
          'Experiment Viewed',
          { experiment_id: 'pricing-test', variant },
        ])
        if (random() < (variant === 'treatment' ? 0.45 : 0.25)) {
          events.push([path.length - 1, 'Signup', { plan: random() < 0.7 ? 'free' : 'pro' }])
        }
      }
      const more = random() < 0.4 ? 0 : Math.floor(random() * 4)
      for (let i = 0; i < more; i++) path.push(pick(PAGES))
      if (random() < 0.1) events.push([path.length - 1, 'Download', { file: 'guide.pdf' }])
      let at = t
      path.forEach((p, i) => {
        const context = {
          userAgent: agent,
          ...(i === 0 && campaign ? { campaign } : {}),
          page: {
            url: `https://shop.example${p}`,
            path: p,
            referrer: i === 0 ? referrer : `https://shop.example${path[i - 1]}`,
          },
        }
        list.push({
          type: 'page',
          messageId: `dash-${seed}-${++n}`,
          anonymousId,
          timestamp: new Date(at).toISOString(),
          properties: { path: p, url: context.page.url },
          context,
        })
        for (const [step, event, properties] of events) {
          if (step !== i) continue
          at += 2_000
          list.push({
            type: 'track',
            event,
            messageId: `dash-${seed}-${++n}`,
            anonymousId,
            timestamp: new Date(at).toISOString(),
            properties,
            context: { userAgent: agent, page: context.page },
          })
        }
        at += 20_000 + Math.floor(random() * 4 * MINUTE)
      })
      // The next visit a day or more later.
      t = at + DAY + Math.floor(random() * 6 * DAY)
    }
  }
  return byCountry
}

/**
 * Creates the site `shop` (time zone America/New_York) with the instance
 * admin key, sends the traffic through `POST /v1/batch` and returns the
 * site's keys and how many events were stored.
 */
export async function seedDashboard(url: string, adminKey: string, now = Date.now()) {
  const res = await fetch(`${url}/v1/admin/sites`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'shop', name: 'Shop', timezone: 'America/New_York' }),
  })
  if (res.status !== 201) throw new Error(`site: ${res.status} ${await res.text()}`)
  const site = (await res.json()) as { writeKey: string; readKey: string }
  let accepted = 0
  for (const [country, messages] of dashboardTraffic(now)) {
    for (let i = 0; i < messages.length; i += 400) {
      const batch = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [COUNTRY_HEADER]: country },
        body: JSON.stringify({ writeKey: site.writeKey, batch: messages.slice(i, i + 400) }),
      })
      const body = (await batch.json()) as { accepted: number; rejected: unknown[] }
      if (batch.status !== 200 || body.rejected.length > 0) {
        throw new Error(`batch: ${batch.status} ${JSON.stringify(body)}`)
      }
      accepted += body.accepted
    }
  }
  return { ...site, events: accepted }
}
