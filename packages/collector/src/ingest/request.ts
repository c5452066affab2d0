import { ErrorCode } from '@pipit/protocol'
import type { Context } from 'hono'
import { HttpError } from '../errors'
import type { AppDeps } from '../routes/env'
import type { Site } from '../store/types'
import { anonymizeIp, clientIp } from '../enrich/ip'
import { countryFromHeader } from '../enrich/country'
import type { RequestFacts } from './pipeline'
import type { RateLimiter } from './rate-limit'

/** What the collector may know about the request; the raw IP stays in memory only. */
export function requestFacts(c: Context, deps: AppDeps, fromBrowser = false): RequestFacts {
  const { config } = deps
  const ip = clientIp({
    forwardedFor: c.req.header('x-forwarded-for'),
    realIp: c.req.header('x-real-ip'),
    socketIp: deps.clientAddress?.(c) ?? null,
    trustProxy: config.trustProxy,
  })
  return {
    receivedAt: deps.now(),
    doNotTrack: c.req.header('dnt') === '1' || c.req.header('sec-gpc') === '1',
    userAgent:
      // Browsers send Origin on every POST (fetch and sendBeacon); server-side senders do not.
      fromBrowser || c.req.header('origin') ? (c.req.header('user-agent') ?? '') : null,
    ip,
    country: config.countryHeader ? countryFromHeader(c.req.header(config.countryHeader)) : null,
  }
}

/**
 * The per-client rate limit, keyed on the client's anonymised network (/24
 * or /48) across all sites. Every ingest route takes it first, before the
 * body is read or parsed, so a flooding client costs a header read, not a
 * JSON parse; a request it refuses never reaches the site's bucket either.
 */
export function limitClient(c: Context, deps: AppDeps, facts: RequestFacts): void {
  limit(c, deps.limits.client, anonymizeIp(facts.ip) ?? '', facts.receivedAt)
}

/**
 * The checks every browser-reachable ingest route makes once it knows the
 * site: the origin allowlist, then the per-site rate limit (the client's was
 * taken before the body was read: `limitClient`).
 */
export function admit(c: Context, deps: AppDeps, site: Site, facts: RequestFacts): void {
  const origin = c.req.header('origin')
  const allowed = site.settings.allowedOrigins
  if (origin && allowed.length > 0 && !allowed.includes(origin)) {
    throw new HttpError(
      403,
      ErrorCode.originNotAllowed,
      `origin ${origin} may not send to this site`,
    )
  }
  limit(c, deps.limits.site, site.id, facts.receivedAt)
}

function limit(c: Context, limiter: RateLimiter, key: string, now: number): void {
  const { ok, retryAfter } = limiter.take(key, now)
  if (!ok) {
    c.header('retry-after', String(retryAfter))
    throw new HttpError(429, ErrorCode.rateLimited, `too many requests; retry in ${retryAfter} s`)
  }
}
