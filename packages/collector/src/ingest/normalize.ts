import type { Message } from '@pipit/protocol'
import type { StoredEvent } from '../store/types'
import { EventFlag, NO_ENRICHMENT } from '../store/types'
import { pathOf } from '../enrich/url'

/** A timestamp more than this far past the receive time is clamped to it. */
export const MAX_FUTURE_MS = 60_000

/**
 * When the event happened, on the collector's clock. Client clocks are often
 * wrong, so when the client says when it sent the batch (`sentAt`), the gap
 * between sending and the event is kept and the client clock is discarded,
 * as Segment does: `receivedAt − (sentAt − originalTimestamp)`. Late events
 * from offline queues keep their real (days old) time this way.
 *
 * @example
 * eventTime({ timestamp: '2026-01-01T10:00:00Z', sentAt: '2026-01-01T10:00:05Z' }, received)
 */
export function eventTime(
  m: {
    timestamp?: string | undefined
    originalTimestamp?: string | undefined
    sentAt?: string | undefined
  },
  receivedAt: number,
): { timestamp: number; clamped: boolean } {
  const original = m.originalTimestamp ?? m.timestamp
  let timestamp = receivedAt
  if (original !== undefined) {
    const at = Date.parse(original)
    timestamp = m.sentAt !== undefined ? receivedAt - (Date.parse(m.sentAt) - at) : at
  }
  if (timestamp > receivedAt + MAX_FUTURE_MS) return { timestamp: receivedAt, clamped: true }
  return { timestamp, clamped: false }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined

/**
 * Maps a validated Segment message onto the stored row (enrichment is left
 * empty for the pipeline to fill). Page fields come from
 * `properties` for page views (where the Segment spec puts them) and from
 * `context.page` for everything else.
 */
export function toStoredEvent(
  message: Message,
  /** `sentAt` of the batch, used when the message has none of its own. */
  input: { siteId: string; receivedAt: number; sentAt?: string | undefined },
): StoredEvent {
  const page = obj(message.context?.page) ?? {}
  const props = message.type === 'page' ? (message.properties ?? {}) : {}
  const url = str(props.url) ?? str(page.url)
  const name =
    message.type === 'track'
      ? message.event
      : message.type === 'page' || message.type === 'screen'
        ? (message.name ?? null)
        : null
  const anonymousId = message.anonymousId ?? null
  const userId = message.userId ?? null
  const time = eventTime(
    { ...pickTimes(message), sentAt: message.sentAt ?? input.sentAt },
    input.receivedAt,
  )
  return {
    siteId: input.siteId,
    messageId: message.messageId,
    type: message.type,
    name,
    anonymousId,
    userId,
    visitorId: anonymousId ?? userId ?? '',
    timestamp: time.timestamp,
    receivedAt: input.receivedAt,
    path: str(props.path) ?? str(page.path) ?? pathOf(url),
    url,
    referrer: str(props.referrer) ?? str(page.referrer),
    // An alias keeps its previous id, so erasure can follow it to the subject's older events.
    properties:
      message.type === 'alias'
        ? { previousId: message.previousId }
        : (obj((message as { properties?: unknown }).properties) ?? null),
    traits: obj((message as { traits?: unknown }).traits) ?? null,
    context: withoutIp(message.context),
    ...NO_ENRICHMENT,
    flags: time.clamped ? EventFlag.clampedTimestamp : 0,
  }
}

function pickTimes(m: Message) {
  return { timestamp: m.timestamp, originalTimestamp: m.originalTimestamp }
}

/**
 * Segment clients may put the sender's address in `context.ip`; a raw IP is
 * never written to disk, so it is dropped here, before anything is stored.
 */
function withoutIp(context: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (!context) return null
  if (!('ip' in context)) return context
  const { ip: _ip, ...rest } = context
  return rest
}
