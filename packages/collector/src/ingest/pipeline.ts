import type { Message, RejectedEvent } from '@pipit/protocol'
import { ErrorCode } from '@pipit/protocol'
import { messageSchema } from '@pipit/protocol/schema'
import { describeIssues } from '../errors'
import type { Metrics } from '../metrics'
import type { Site, StoredEvent } from '../store/types'
import { EventFlag } from '../store/types'
import { campaignFromContext } from '../enrich/campaign'
import { type UrlFactsCache, createUrlFacts } from '../enrich/url-facts'
import { anonymizeIp } from '../enrich/ip'
import { classifyTraffic } from '../enrich/referrer'
import { DEFAULT_STRIPPED_PARAMS, stripQueryParams } from '../enrich/url'
import { type UserAgentInfo, createUserAgentParser } from '../enrich/user-agent'
import { toStoredEvent } from './normalize'
import type { SiteCache } from './site-cache'
import type { VisitorHasher } from './visitor'
import type { BatchWriter } from './writer'

/** What the collector knows about the request an event came in (the IP never leaves memory). */
export interface RequestFacts {
  receivedAt: number
  /** The batch's `sentAt`, for messages without their own. */
  sentAt?: string | undefined
  /** The request carried `DNT: 1` or `Sec-GPC: 1`. */
  doNotTrack?: boolean
  /**
   * The request's User-Agent when a browser sent it (an Origin header, or a
   * browser tracker's route); null for server-side senders, whose
   * own user agent says nothing about the person the event is about.
   */
  userAgent: string | null
  ip: string | null
  country: string | null
}

export interface IngestResult {
  accepted: number
  duplicates: number
  dropped: number
  rejected: RejectedEvent[]
}

export interface Envelope {
  context?: Record<string, unknown> | undefined
  integrations?: Record<string, unknown> | undefined
  sentAt?: string | undefined
}

const SERVER_SIDE: UserAgentInfo = {
  browser: null,
  browserVersion: null,
  os: null,
  osVersion: null,
  deviceType: 'other',
  isBot: false,
  botPattern: null,
}

/** A prepared event; `hashVisitor` holds the user agent when it needs a cookieless visitor id. */
type Prepared =
  { event: StoredEvent; hashVisitor: string | null | undefined } | { drop: 'suppressed' | 'bot' }

/**
 * Validates, enriches, filters and stores events for one site: the path every
 * ingest route (Segment, Plausible, Umami) ends in.
 */
export function createIngestPipeline(deps: {
  sites: SiteCache
  writer: BatchWriter
  visitors: VisitorHasher
  metrics: Metrics
  maxEventBytes: number
}) {
  const userAgents = createUserAgentParser()
  const urls = createUrlFacts()
  const { metrics } = deps

  /**
   * Everything but the visitor hash, synchronously: at 50 events a request,
   * a promise per event costs more than the work itself.
   */
  function prepare(
    site: Site,
    message: Message,
    facts: RequestFacts,
    suppressed: ReadonlySet<string>,
  ): Prepared {
    const userId = message.userId ?? null
    const anonymousId = message.anonymousId ?? null
    if (
      suppressed.size > 0 &&
      ((userId !== null && suppressed.has(`userId:${userId}`)) ||
        (anonymousId !== null && suppressed.has(`anonymousId:${anonymousId}`)))
    ) {
      return { drop: 'suppressed' }
    }
    const context = message.context
    const ua =
      (typeof context?.userAgent === 'string' ? context.userAgent : null) ?? facts.userAgent
    // No user agent at all: a server-side event about a person, not a bot.
    const agent = ua === null ? SERVER_SIDE : userAgents.parse(ua)
    if (agent.isBot) {
      // isbot's patterns are a bounded list, so the reason label stays low-cardinality.
      const action = site.settings.botPolicy === 'drop' ? 'dropped' : 'flagged'
      metrics.bots.inc({
        action,
        reason: (agent.botPattern ?? 'unknown').slice(0, 40).toLowerCase(),
      })
      if (action === 'dropped') return { drop: 'bot' }
    }

    if (site.settings.cookieless) {
      // No client ids are stored: the visitor is the daily-salted hash, as for Plausible.
      message = { ...message, userId: null, anonymousId: null } as Message
    }
    const event = toStoredEvent(message, {
      siteId: site.id,
      receivedAt: facts.receivedAt,
      sentAt: facts.sentAt,
    })
    const page = urls.of(event.url)
    const referrer = urls.of(event.referrer)
    const strip = site.settings.stripQueryParams ?? DEFAULT_STRIPPED_PARAMS
    if (event.url) event.url = stripQueryParams(event.url, strip, page.params)
    if (event.referrer) event.referrer = stripQueryParams(event.referrer, strip, referrer.params)
    if (event.properties) event.properties = stripUrlFields(event.properties, strip, urls)
    if (event.context?.page) {
      event.context = { ...event.context, page: stripUrlFields(event.context.page, strip, urls) }
    }
    const campaign = campaignFromContext(context) ?? page.campaign
    const traffic = classifyTraffic({ referrerHost: referrer.host, pageHost: page.host, campaign })
    event.browser = agent.browser
    event.os = agent.os
    event.deviceType = ua === null ? null : agent.deviceType
    event.country = facts.country
    event.source = traffic.source
    event.channel = traffic.channel
    event.utmSource = campaign.source
    event.utmMedium = campaign.medium
    event.utmCampaign = campaign.name
    event.utmTerm = campaign.term
    event.utmContent = campaign.content
    if (agent.isBot) event.flags |= EventFlag.bot
    const anonymous = site.settings.cookieless || (!anonymousId && !userId)
    return { event, hashVisitor: anonymous ? ua : undefined }
  }

  /** Prepares valid messages (in input order), stores them and counts every outcome. */
  async function store(
    site: Site,
    items: { index: number; message: Message }[],
    facts: RequestFacts,
    rejected: RejectedEvent[],
  ): Promise<IngestResult> {
    for (const r of rejected) metrics.events.inc({ outcome: 'rejected', reason: r.code })
    if (facts.doNotTrack && site.settings.honorDoNotTrack) {
      metrics.events.inc({ outcome: 'dropped', reason: 'do-not-track' }, items.length)
      return { accepted: 0, duplicates: 0, dropped: items.length, rejected }
    }
    const suppressed = await deps.sites.suppressions(site.id)
    const network = anonymizeIp(facts.ip)
    const events: StoredEvent[] = []
    let dropped = 0
    for (const item of items) {
      const p = prepare(site, item.message, facts, suppressed)
      if ('drop' in p) {
        dropped++
        metrics.events.inc({ outcome: 'dropped', reason: p.drop })
        continue
      }
      if (p.hashVisitor !== undefined) {
        p.event.visitorId = await deps.visitors.visitorId(
          site.id,
          network,
          p.hashVisitor,
          facts.receivedAt,
        )
      }
      events.push(p.event)
    }
    const outcomes = await deps.writer.write(events)
    const duplicates = outcomes.filter((o) => o === 'duplicate').length
    if (outcomes.length > duplicates) {
      metrics.events.inc({ outcome: 'accepted', reason: '' }, outcomes.length - duplicates)
    }
    if (duplicates > 0) metrics.events.inc({ outcome: 'duplicate', reason: '' }, duplicates)
    return { accepted: outcomes.length - duplicates, duplicates, dropped, rejected }
  }

  return {
    /**
     * Raw Segment messages from a request: validated one by one, so a bad
     * event is reported by index and never costs its neighbours.
     */
    segment(
      site: Site,
      raw: readonly unknown[],
      envelope: Envelope,
      facts: RequestFacts,
      bodyBytes: number,
    ) {
      const rejected: RejectedEvent[] = []
      const items: { index: number; message: Message }[] = []
      // No single event can be over the limit when the whole body is not.
      const checkSize = bodyBytes > deps.maxEventBytes
      raw.forEach((value, index) => {
        if (checkSize && byteSize(value) > deps.maxEventBytes) {
          rejected.push({
            index,
            code: ErrorCode.eventTooLarge,
            message: `event is larger than ${deps.maxEventBytes} bytes`,
          })
          return
        }
        const result = messageSchema.safeParse(mergeEnvelope(value, envelope))
        if (!result.success) {
          const first = describeIssues(result.error.issues)[0]
          rejected.push({
            index,
            code: ErrorCode.invalidEvent,
            message: first ? `${first.path || 'message'}: ${first.message}` : 'invalid message',
          })
          return
        }
        if (tooDeep(result.data, MAX_DEPTH)) {
          rejected.push({
            index,
            code: ErrorCode.invalidEvent,
            message: `message is nested deeper than ${MAX_DEPTH} levels`,
          })
          return
        }
        items.push({ index, message: result.data })
      })
      return store(site, items, { ...facts, sentAt: envelope.sentAt }, rejected)
    },

    /** Messages built by the collector itself from another format (already valid). */
    messages(site: Site, messages: readonly Message[], facts: RequestFacts) {
      return store(
        site,
        messages.map((message, index) => ({ index, message })),
        facts,
        [],
      )
    },
  }
}

export type IngestPipeline = ReturnType<typeof createIngestPipeline>

/** Strips query parameters from the URL-valued fields of `properties` or `context.page`. */
function stripUrlFields(obj: unknown, params: readonly string[], urls: UrlFactsCache) {
  const o = obj as Record<string, unknown>
  let out = o
  for (const key of ['url', 'referrer']) {
    const v = o[key]
    if (typeof v !== 'string' || !v.includes('?')) continue
    const stripped = stripQueryParams(v, params, urls.of(v).params)
    if (stripped === v) continue
    if (out === o) out = { ...o }
    out[key] = stripped
    // `search` is the same query as `url`'s: keep them in step.
    if (key === 'url' && typeof o.search === 'string')
      out.search = stripped.includes('?') ? stripped.slice(stripped.indexOf('?')).split('#')[0] : ''
  }
  return out
}

/**
 * Batch-level `context` and `integrations` apply to every message; the
 * message's own keys win. (The batch's `sentAt` travels in `RequestFacts`.)
 * Messages are copied only when there is something to merge.
 */
function mergeEnvelope(raw: unknown, envelope: Envelope): unknown {
  if (!isObject(raw) || (!envelope.context && !envelope.integrations)) return raw
  const merged: Record<string, unknown> = { ...raw }
  // A message whose own context is not an object is left alone to fail validation.
  if (envelope.context && (raw.context === undefined || isObject(raw.context))) {
    merged.context = { ...envelope.context, ...raw.context }
  }
  if (envelope.integrations && (raw.integrations === undefined || isObject(raw.integrations))) {
    merged.integrations = { ...envelope.integrations, ...raw.integrations }
  }
  return merged
}

/**
 * How deep properties, traits and context may nest. Real events stay under
 * 10; the limit exists so a hostile body cannot make serialising it later
 * overflow the stack and fail the commit it shares with other requests.
 */
export const MAX_DEPTH = 32

/** Whether any value inside is nested deeper than `max`, checked without recursion. */
export function tooDeep(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    if (depth >= max) return true
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
    }
  }
  return false
}

const encoder = new TextEncoder()
/** Bytes of a value as JSON; a value that cannot be serialised counts as too large. */
function byteSize(value: unknown): number {
  try {
    return encoder.encode(JSON.stringify(value) ?? '').byteLength
  } catch {
    return Infinity
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}
