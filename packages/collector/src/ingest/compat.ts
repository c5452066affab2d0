import type { Message } from '@pipit/protocol'
import { z } from 'zod'
import { hostOf, pathOf } from '../enrich/url'

const text = (max: number) => z.string().max(max)
const props = z.record(
  z.string().max(300),
  z.union([z.string().max(2_000), z.number(), z.boolean(), z.null()]),
)

/**
 * How many comma-separated sites a Plausible `domain` may name. Each one is a
 * lookup made before any key is checked; Plausible's own script sends one or
 * two (a site and its roll-up).
 */
export const MAX_DOMAINS = 10

/**
 * Plausible's Events API body (`POST /api/event`), as its script sends it:
 * https://plausible.io/docs/events-api. `domain` may list up to `MAX_DOMAINS`
 * sites, comma-separated; the first one that exists here takes the event.
 */
export const plausibleEventSchema = z.looseObject({
  domain: text(1_000)
    .min(1)
    .refine(
      (d) => d.split(',').length <= MAX_DOMAINS,
      `at most ${MAX_DOMAINS} comma-separated domains`,
    ),
  name: text(120).min(1),
  url: text(2_000).min(1),
  referrer: text(2_000).nullish(),
  props: props.nullish(),
  revenue: z.unknown().optional(),
  interactive: z.boolean().optional(),
})

/**
 * Umami's tracker body (`POST /api/send`): `{ type, payload }` with the
 * website id, host name and the page's path in `url`.
 */
export const umamiEventSchema = z.looseObject({
  type: z.enum(['event', 'identify']),
  payload: z.looseObject({
    website: text(100).min(1),
    hostname: text(253).nullish(),
    url: text(2_000).nullish(),
    referrer: text(2_000).nullish(),
    title: text(500).nullish(),
    screen: text(20).nullish(),
    language: text(35).nullish(),
    name: text(120).nullish(),
    data: z.record(z.string().max(300), z.unknown()).nullish(),
  }),
})

interface PageFacts {
  url: string
  referrer: string | null
  title?: string | null
  /** A custom event's name; a page view has none. */
  event: string | null
  properties: Record<string, unknown>
  locale?: string | null
  screen?: string | null
  library: string
}

/**
 * A message in Pipit's (Segment) shape for an event that arrived in another
 * tool's format. Those trackers send no ids: the message id is made here (they
 * do not retry, so there is nothing to deduplicate) and the visitor is
 * counted by the daily-salted hash, as those tools do.
 */
export function compatMessage(f: PageFacts, receivedAt: number): Message {
  const page = {
    url: f.url,
    path: pathOf(f.url) ?? '/',
    referrer: f.referrer ?? '',
    title: f.title ?? '',
  }
  const [w, h] = (f.screen ?? '').split('x').map(Number)
  const context: Record<string, unknown> = {
    page,
    library: { name: f.library },
    ...(f.locale ? { locale: f.locale } : {}),
    ...(w && h ? { screen: { width: w, height: h } } : {}),
  }
  const base = {
    messageId: crypto.randomUUID(),
    anonymousId: null,
    userId: null,
    timestamp: new Date(receivedAt).toISOString(),
    context,
  }
  return f.event
    ? { ...base, type: 'track', event: f.event, properties: f.properties }
    : { ...base, type: 'page', properties: { ...page, ...f.properties } }
}

/** The page URL of an Umami event: its `url` is a path on `hostname`. */
export function umamiUrl(
  hostname: string | null | undefined,
  url: string | null | undefined,
): string {
  const path = url ?? '/'
  if (/^https?:\/\//i.test(path)) return path
  return `https://${hostname ?? 'unknown'}${path.startsWith('/') ? '' : '/'}${path}`
}

export { hostOf }
