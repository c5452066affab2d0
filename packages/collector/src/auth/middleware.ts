import { ErrorCode } from '@pipit/protocol'
import { createMiddleware } from 'hono/factory'
import { HttpError } from '../errors'
import type { AppEnv } from '../routes/env'
import type { KeyResolver } from './resolver'

/** The token of `Authorization: Bearer <key>`, if that is how the request is authorised. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i)
  return match?.[1]
}

/** The write key of `Authorization: Basic base64(writeKey:)`, as Segment clients send it. */
export function basicUser(header: string | undefined): string | undefined {
  const match = header?.match(/^Basic\s+(\S+)\s*$/i)
  if (!match?.[1]) return undefined
  let decoded: string
  try {
    decoded = atob(match[1])
  } catch {
    return undefined
  }
  const user = decoded.split(':')[0]
  return user || undefined
}

/**
 * Requires a secret (read or admin) key as a Bearer token and puts what it
 * grants on the context. Which site it may reach is checked by the route,
 * which knows the site.
 */
export function requireSecretKey(keys: KeyResolver) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = bearerToken(c.req.header('authorization'))
    if (!token) {
      throw new HttpError(
        401,
        ErrorCode.unauthorized,
        'send a read or admin key as Authorization: Bearer <key>',
      )
    }
    const principal = await keys.resolve(token)
    if (!principal) throw new HttpError(401, ErrorCode.unauthorized, 'unknown or revoked key')
    if (principal.kind === 'write') {
      throw new HttpError(403, ErrorCode.forbidden, 'a write key can only send events')
    }
    c.set('principal', principal)
    await next()
  })
}
