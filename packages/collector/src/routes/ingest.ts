import { ErrorCode } from '@pipit/protocol'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { basicUser } from '../auth/middleware'
import { HttpError } from '../errors'
import { parseBatch, parseJson } from '../ingest/batch'
import { readBody } from '../ingest/body'
import type { Envelope, IngestResult } from '../ingest/pipeline'
import { admit, limitClient, requestFacts } from '../ingest/request'
import type { RequestFacts } from '../ingest/pipeline'
import type { Site } from '../store/types'
import type { AppDeps, AppEnv } from './env'

const singleTypes = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const

/**
 * The Segment HTTP Tracking API: `POST /v1/batch` and the single-message
 * `/v1/track`, `/v1/page`, `/v1/screen`, `/v1/identify`, `/v1/group`,
 * `/v1/alias`. The write key comes as Basic auth (`writeKey:`), as `writeKey`
 * in the body, or in an `X-Write-Key` header. The answer lists accepted,
 * duplicate, dropped and rejected events, and is sent only after the store
 * has committed the events.
 */
export function ingestRoutes(deps: AppDeps) {
  const { config, keys, sites, pipeline } = deps
  const app = new Hono<AppEnv>()
  app.use('/v1/*', cors({ origin: (origin) => origin, maxAge: 86_400 }))

  async function siteOf(c: Context, bodyKey: string | undefined): Promise<Site> {
    const writeKey =
      basicUser(c.req.header('authorization')) ?? bodyKey ?? c.req.header('x-write-key')
    if (!writeKey) {
      throw new HttpError(
        401,
        ErrorCode.unauthorized,
        'no write key: use Basic auth or "writeKey" in the body',
      )
    }
    const principal = await keys.resolve(writeKey)
    if (!principal || principal.kind !== 'write' || principal.siteId === null) {
      throw new HttpError(401, ErrorCode.unauthorized, 'unknown write key')
    }
    const site = await sites.byId(principal.siteId)
    if (!site) throw new HttpError(401, ErrorCode.unauthorized, 'unknown write key')
    return site
  }

  async function handle(
    c: Context,
    messages: readonly unknown[],
    envelope: Envelope & { writeKey?: string | undefined },
    bytes: number,
    facts: RequestFacts,
  ) {
    const site = await siteOf(c, envelope.writeKey)
    admit(c, deps, site, facts)
    let result: IngestResult
    try {
      result = await pipeline.segment(site, messages, envelope, facts, bytes)
    } catch (cause) {
      if (cause instanceof HttpError) throw cause
      throw new HttpError(
        503,
        ErrorCode.unavailable,
        'events could not be stored; retry',
        undefined,
        { cause },
      )
    }
    if (result.accepted + result.duplicates + result.dropped === 0) {
      throw new HttpError(
        400,
        ErrorCode.invalidBatch,
        'no event in the batch is valid',
        result.rejected,
      )
    }
    return c.json({ success: true as const, ...result })
  }

  /** The request's facts, once the client's rate limit let it through (before any parsing). */
  const limited = (c: Context) => {
    const facts = requestFacts(c, deps)
    limitClient(c, deps, facts)
    return facts
  }

  app.post('/v1/batch', async (c) => {
    const facts = limited(c)
    const { text, bytes } = await readBody(c, config.maxRequestBytes)
    const envelope = parseBatch(text)
    return handle(c, envelope.batch, envelope, bytes, facts)
  })

  for (const type of singleTypes) {
    app.post(`/v1/${type}`, async (c) => {
      const facts = limited(c)
      const { text, bytes } = await readBody(c, config.maxRequestBytes)
      const body = parseJson(text)
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new HttpError(400, ErrorCode.invalidBody, `request body must be a ${type} message`)
      }
      const { writeKey, ...message } = body as Record<string, unknown> & { writeKey?: unknown }
      return handle(
        c,
        [{ ...message, type }],
        { writeKey: typeof writeKey === 'string' ? writeKey : undefined },
        bytes,
        facts,
      )
    })
  }

  return app
}
