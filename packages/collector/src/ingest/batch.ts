import type { RejectedEvent } from '@pipit/protocol'
import { ErrorCode } from '@pipit/protocol'
import { batchEnvelopeSchema, messageSchema } from '@pipit/protocol/schema'
import { HttpError, describeIssues } from '../errors'
import type { StoredEvent } from '../store/types'
import { toStoredEvent } from './normalize'

export interface ParsedBatch {
  /** The write key found in the body, if any. */
  writeKey: string | undefined
  /** Validates and normalises the messages for one site. */
  events(
    siteId: string,
    receivedAt: number,
  ): { events: StoredEvent[]; indexes: number[]; rejected: RejectedEvent[] }
}

/**
 * Parses a `/v1/batch` body. The envelope must be well formed (else the whole
 * request is refused with 400); each message is then validated on its own so
 * that one bad event never costs its neighbours.
 */
export function parseBatch(text: string): ParsedBatch {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new HttpError(400, ErrorCode.invalidJson, 'request body is not valid JSON')
  }
  const envelope = batchEnvelopeSchema.safeParse(body)
  if (!envelope.success) {
    throw new HttpError(
      400,
      ErrorCode.invalidBody,
      'request body must be a Segment batch: { batch: [...] }',
      describeIssues(envelope.error.issues),
    )
  }
  const { batch, context, integrations, sentAt, writeKey } = envelope.data
  return {
    writeKey,
    events(siteId, receivedAt) {
      const events: StoredEvent[] = []
      const indexes: number[] = []
      const rejected: RejectedEvent[] = []
      batch.forEach((raw, index) => {
        const merged = mergeEnvelope(raw, { context, integrations, sentAt })
        const result = messageSchema.safeParse(merged)
        if (!result.success) {
          const first = describeIssues(result.error.issues)[0]
          rejected.push({
            index,
            code: ErrorCode.invalidEvent,
            message: first ? `${first.path || 'message'}: ${first.message}` : 'invalid message',
          })
          return
        }
        events.push(toStoredEvent(result.data, { siteId, receivedAt }))
        indexes.push(index)
      })
      return { events, indexes, rejected }
    },
  }
}

/** Batch-level `context`, `integrations` and `sentAt` apply to every message; the message's own keys win. */
function mergeEnvelope(
  raw: unknown,
  envelope: {
    context?: Record<string, unknown> | undefined
    integrations?: Record<string, unknown> | undefined
    sentAt?: string | undefined
  },
): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw
  const m = raw as Record<string, unknown>
  const merged: Record<string, unknown> = { ...m }
  // A message whose own context is not an object is left alone to fail validation.
  if (envelope.context && (m.context === undefined || isObject(m.context))) {
    merged.context = { ...envelope.context, ...(m.context as object | undefined) }
  }
  if (envelope.integrations && (m.integrations === undefined || isObject(m.integrations))) {
    merged.integrations = { ...envelope.integrations, ...(m.integrations as object | undefined) }
  }
  if (envelope.sentAt && m.sentAt === undefined) merged.sentAt = envelope.sentAt
  return merged
}

function isObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}
