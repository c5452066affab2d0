import { ErrorCode } from '@pipit/protocol'
import { Hono } from 'hono'
import { z } from 'zod'
import { generateKey } from '../auth/keys'
import { requireSecretKey } from '../auth/middleware'
import { HttpError, describeIssues } from '../errors'
import { isTimeZone } from '../stats/range'
import type { EventStore } from '../store/types'
import { SiteExistsError } from '../store/types'
import type { AppDeps, AppEnv } from './env'

const newSiteSchema = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, at most 63')
    .optional(),
  name: z.string().min(1).max(200).optional(),
  timezone: z.string().refine(isTimeZone, 'not an IANA time zone').default('UTC'),
})

export type NewSite = z.input<typeof newSiteSchema>

/**
 * Creates a site with its write and read keys. Shared by the admin API and
 * the first-start bootstrap so both make sites the same way.
 *
 * @example
 * const { siteId, writeKey, readKey } = await createSiteWithKeys(store, { id: 'demo' }, Date.now())
 */
export async function createSiteWithKeys(store: EventStore, input: NewSite, now: number) {
  const site = newSiteSchema.parse(input)
  const id = site.id ?? `site-${Math.random().toString(36).slice(2, 10)}`
  await store.createSite({ id, name: site.name ?? id, timezone: site.timezone, createdAt: now })
  const write = generateKey({ siteId: id, scope: 'write', now })
  const read = generateKey({ siteId: id, scope: 'read', now })
  await store.createKey(write.record)
  await store.createKey(read.record)
  return {
    siteId: id,
    name: site.name ?? id,
    timezone: site.timezone,
    writeKey: write.secret,
    readKey: read.secret,
  }
}

/**
 * `POST /v1/admin/sites` (instance admin key) creates a site and answers its
 * keys once; `GET /v1/sites` lists the sites the presented key can read.
 */
export function siteRoutes({ store, keys, now }: AppDeps) {
  const app = new Hono<AppEnv>()
  app.use('/v1/admin/*', requireSecretKey(keys))
  app.use('/v1/sites', requireSecretKey(keys))

  app.post('/v1/admin/sites', async (c) => {
    const principal = c.get('principal')
    if (principal.kind !== 'admin' || principal.siteId !== null) {
      throw new HttpError(403, ErrorCode.forbidden, 'creating sites needs the instance admin key')
    }
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      body = {}
    }
    const parsed = newSiteSchema.safeParse(body ?? {})
    if (!parsed.success) {
      throw new HttpError(
        400,
        ErrorCode.invalidBody,
        'invalid site',
        describeIssues(parsed.error.issues),
      )
    }
    try {
      return c.json(await createSiteWithKeys(store, parsed.data, now()), 201)
    } catch (error) {
      if (error instanceof SiteExistsError) {
        throw new HttpError(409, ErrorCode.siteExists, error.message)
      }
      throw error
    }
  })

  app.get('/v1/sites', async (c) => {
    const principal = c.get('principal')
    const sites = await store.listSites()
    const visible = sites.filter((s) => principal.siteId === null || s.id === principal.siteId)
    return c.json({ sites: visible.map(({ id, name, timezone }) => ({ id, name, timezone })) })
  })

  return app
}
