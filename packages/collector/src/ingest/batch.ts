import type { BatchEnvelope } from '@pipit/protocol'
import { ErrorCode } from '@pipit/protocol'
import { batchEnvelopeSchema } from '@pipit/protocol/schema'
import { HttpError, validate } from '../errors'

/** Parses JSON text, answering 400 `invalid_json` when it is not. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new HttpError(400, ErrorCode.invalidJson, 'request body is not valid JSON')
  }
}

/**
 * Parses a `/v1/batch` body. The envelope must be well formed, else the whole
 * request is refused with 400; the messages inside are validated one by one
 * later, so one bad event never costs its neighbours.
 */
export function parseBatch(text: string): BatchEnvelope {
  const envelope = validate(
    batchEnvelopeSchema,
    parseJson(text),
    ErrorCode.invalidBody,
    'request body must be a Segment batch: { batch: [...] }',
  )
  return envelope
}
