// Helpers the benchmarks share: id generators, percentiles, the stats queries.
import { randomBytes } from 'node:crypto'

const DAY = 86_400_000

/** A UUIDv7 as the Pipit SDK makes them (time-ordered). */
export function uuidv7() {
  const b = randomBytes(16)
  let ms = Date.now()
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  b[6] = (b[6] & 0x0f) | 0x70
  b[8] = (b[8] & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

export const quantile = (xs, q) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]

/** The local calendar day `offset` days from `endMs` in the bench site's zone (Europe/Berlin). */
export function localDay(endMs, offset) {
  return new Date(endMs + offset * DAY).toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' })
}

/**
 * The timed stats queries of site `bench` (bench/generate.js traffic ending at
 * `endMs`): `[name, path, body?]`, the last 30 full days unless named otherwise.
 */
export function statsQueries(endMs) {
  const to = localDay(endMs, -1)
  const from30 = localDay(endMs, -30)
  const range = `site=bench&from=${from30}&to=${to}`
  const from12w = localDay(endMs, -84)
  return [
    ['overview, 30 days', `/v1/stats/overview?${range}`],
    ['timeseries by day, 30 days', `/v1/stats/timeseries?${range}&interval=day`],
    ['timeseries by hour, 30 days', `/v1/stats/timeseries?${range}&interval=hour`],
    ['breakdown: pages, 30 days', `/v1/stats/breakdown?${range}&dimension=page&limit=10`],
    ['breakdown: sources, 30 days', `/v1/stats/breakdown?${range}&dimension=source&limit=10`],
    ['breakdown: countries, 30 days', `/v1/stats/breakdown?${range}&dimension=country&limit=10`],
    ['overview, filtered (country is DE)', `/v1/stats/overview?${range}&filter=country:is:DE`],
    [
      'breakdown: pages, filtered (channel is search)',
      `/v1/stats/breakdown?${range}&dimension=page&limit=10&filter=channel:is:search`,
    ],
    [
      'breakdown: pages with goal conversion',
      `/v1/stats/breakdown?${range}&dimension=entry_page&limit=10&goal=event:Signup`,
    ],
    [
      'funnel, 4 steps, 30 days',
      '/v1/stats/funnel',
      {
        site: 'bench',
        from: from30,
        to,
        steps: [{ page: '/' }, { page: '/pricing' }, { page: '/cart' }, { event: 'Purchase' }],
      },
    ],
    [
      'retention, 12 weekly cohorts',
      `/v1/stats/retention?site=bench&from=${from12w}&to=${to}&period=week&periods=12`,
    ],
    ['experiment, 30 days', `/v1/stats/experiments/pricing-test?${range}&goal=event:Signup`],
    ['realtime', `/v1/stats/realtime?site=bench`],
  ]
}
