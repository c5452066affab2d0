/**
 * Stable, machine-readable error codes the collector answers with, as
 * `{ error: { code, message, issues? } }` for a whole request and as
 * `{ index, code, message }` for one rejected event of a batch. Clients and
 * tests compare against these constants, never against message text.
 *
 * @example
 * if (body.error.code === ErrorCode.unauthorized) promptForKey()
 */
export const ErrorCode = {
  /** The body is not JSON. */
  invalidJson: 'invalid_json',
  /** The body is JSON but not a batch envelope (no `batch` array, wrong types). */
  invalidBody: 'invalid_body',
  /** Every event of the batch was rejected; `issues` lists them by index. */
  invalidBatch: 'invalid_batch',
  /** One event failed validation (per-event code). */
  invalidEvent: 'invalid_event',
  /** Query parameters are missing or malformed. */
  invalidQuery: 'invalid_query',
  /** No key, or a key the collector does not know. */
  unauthorized: 'unauthorized',
  /** A known key without the scope or site the route needs. */
  forbidden: 'forbidden',
  /** The site does not exist. */
  siteNotFound: 'site_not_found',
  /** A site with that id exists already. */
  siteExists: 'site_exists',
  /** One event is larger than allowed (per-event code). */
  eventTooLarge: 'event_too_large',
  /** The request body is larger than allowed. */
  payloadTooLarge: 'payload_too_large',
  /** The body's Content-Encoding is not supported or does not decode. */
  invalidEncoding: 'invalid_encoding',
  /** The site allows browser events only from listed origins. */
  originNotAllowed: 'origin_not_allowed',
  /** Too many requests; wait for the Retry-After header's seconds. */
  rateLimited: 'rate_limited',
  /** No route. */
  notFound: 'not_found',
  /** The store could not be written; retry later. */
  unavailable: 'unavailable',
  /** A bug on the collector's side; the request may be retried. */
  internal: 'internal_error',
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]
