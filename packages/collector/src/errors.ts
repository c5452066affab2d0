import { ErrorCode } from '@pipit/protocol'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { z } from 'zod'

/**
 * An error the collector answers with on purpose: a status, a stable code
 * from `ErrorCode` and a message that is safe to show (never payload data).
 *
 * @example
 * throw new HttpError(401, ErrorCode.unauthorized, 'unknown write key')
 */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly issues?: unknown[],
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'HttpError'
  }
}

/** Writes `{ error: { code, message, issues? } }` with the given status. */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
  issues?: unknown[],
) {
  return c.json({ error: { code, message, ...(issues ? { issues } : {}) } }, status)
}

/** Maps zod issues to `{ path, message }`, without echoing the input values back. */
export function describeIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): { path: string; message: string }[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
}

/**
 * Parses input with a zod schema, or throws a 400 with the given code and the
 * issues by path. Every route validates its body or query this way.
 *
 * @example
 * const q = validate(rangeQuerySchema, c.req.query(), ErrorCode.invalidQuery, 'expected site, from and to')
 */
export function validate<T extends z.ZodType>(
  schema: T,
  input: unknown,
  code: ErrorCode,
  message: string,
): z.infer<T> {
  const result = schema.safeParse(input)
  if (!result.success) throw new HttpError(400, code, message, describeIssues(result.error.issues))
  return result.data
}

export { ErrorCode }
