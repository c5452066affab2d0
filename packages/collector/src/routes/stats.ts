import { ErrorCode } from '@pipit/protocol'
import { Hono } from 'hono'
import { canAccess } from '../auth/resolver'
import { HttpError, validate } from '../errors'
import { dayRange, rangeQuerySchema } from '../stats/range'
import type { AppDeps, AppEnv } from './env'

/** The stats API. Every route needs a read or admin key of the site it asks about. */
export function statsRoutes({ store }: AppDeps) {
  const app = new Hono<AppEnv>()

  app.get('/v1/stats/overview', async (c) => {
    const query = validate(
      rangeQuerySchema,
      c.req.query(),
      ErrorCode.invalidQuery,
      'expected site, from and to (YYYY-MM-DD)',
    )
    const { site: siteId, from, to } = query
    if (!canAccess(c.get('principal'), siteId, 'read')) {
      throw new HttpError(403, ErrorCode.forbidden, 'this key cannot read that site')
    }
    const site = await store.getSite(siteId)
    if (!site) throw new HttpError(404, ErrorCode.siteNotFound, `no site ${siteId}`)
    const counts = await store.overview({ siteId, ...dayRange(from, to, site.timezone) })
    return c.json({ site: siteId, from, to, timezone: site.timezone, ...counts })
  })

  return app
}
