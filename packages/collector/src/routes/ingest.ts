import { ErrorCode } from '@pipit/protocol'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { basicUser } from '../auth/middleware'
import { HttpError } from '../errors'
import { parseBatch } from '../ingest/batch'
import type { AppDeps, AppEnv } from './env'

/**
 * `POST /v1/batch`, the Segment batch endpoint. Any origin may send (the
 * write key is public); the answer lists accepted, duplicate and rejected
 * events so a client drops only what was refused. The answer is sent only
 * after the store has committed the events.
 */
export function ingestRoutes({ store, config, now, keys }: AppDeps) {
  const app = new Hono<AppEnv>()
  app.use('*', cors({ origin: (origin) => origin, maxAge: 86_400 }))
  app.post(
    '/v1/batch',
    bodyLimit({
      maxSize: config.maxRequestBytes,
      onError: () => {
        throw new HttpError(
          413,
          ErrorCode.payloadTooLarge,
          `request body is larger than ${config.maxRequestBytes} bytes`,
        )
      },
    }),
    async (c) => {
      const receivedAt = now()
      const parsed = parseBatch(await c.req.text())
      const writeKey = basicUser(c.req.header('authorization')) ?? parsed.writeKey
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
      const { events, rejected } = parsed.events(principal.siteId, receivedAt)
      if (events.length === 0) {
        throw new HttpError(400, ErrorCode.invalidBatch, 'no event in the batch is valid', rejected)
      }
      let outcomes
      try {
        outcomes = await store.insertEvents(events)
      } catch (cause) {
        throw new HttpError(
          503,
          ErrorCode.unavailable,
          'events could not be stored; retry',
          undefined,
          { cause },
        )
      }
      const duplicates = outcomes.filter((o) => o === 'duplicate').length
      return c.json({
        success: true as const,
        accepted: outcomes.length - duplicates,
        duplicates,
        rejected,
      })
    },
  )
  return app
}
