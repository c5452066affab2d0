import { ErrorCode } from '@pipit/protocol'
import { Hono } from 'hono'
import { z } from 'zod'
import { generateKey } from '../auth/keys'
import { canAccess } from '../auth/resolver'
import { HttpError, validate } from '../errors'
import { isTimeZone } from '../stats/range'
import type { EventStore, Site } from '../store/types'
import { DEFAULT_SETTINGS, SiteExistsError } from '../store/types'
import type { AppDeps, AppEnv } from './env'

const settingsSchema = z
  .object({
    allowedOrigins: z.array(z.url().transform((u) => new URL(u).origin)).max(100),
    botPolicy: z.enum(['flag', 'drop']),
    stripQueryParams: z.array(z.string().min(1).max(100)).max(200).nullable(),
    honorDoNotTrack: z.boolean(),
    cookieless: z.boolean(),
    retentionDays: z.number().int().min(1).max(3_650),
    rollupRetentionDays: z.number().int().min(1).max(36_500),
  })
  .partial()
  .strict()

const domainSchema = z
  .string()
  .max(253)
  .transform((d) =>
    d
      .trim()
      .toLowerCase()
      .replace(/^www\./, ''),
  )
  .refine((d) => /^[a-z0-9.-]+(:\d+)?$/.test(d), 'a host name such as shop.example.com')

const siteFields = {
  name: z.string().min(1).max(200),
  timezone: z.string().refine(isTimeZone, 'not an IANA time zone'),
  domain: domainSchema.nullable(),
  settings: settingsSchema,
}

export const newSiteSchema = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, at most 63')
    .optional(),
  name: siteFields.name.optional(),
  timezone: siteFields.timezone.default('UTC'),
  domain: siteFields.domain.optional(),
  settings: siteFields.settings.optional(),
})

export const sitePatchSchema = z.object(siteFields).partial().strict()

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
  await store.createSite({
    id,
    name: site.name ?? id,
    timezone: site.timezone,
    domain: site.domain ?? null,
    settings: { ...DEFAULT_SETTINGS, ...site.settings },
    createdAt: now,
  })
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

/** A site as the API shows it. */
function publicSite({ id, name, timezone, domain, settings }: Site) {
  return { id, name, timezone, domain, settings }
}

/**
 * `POST /v1/admin/sites` (instance admin key) creates a site and answers its
 * keys once; `GET /v1/sites` lists the sites the presented key can read.
 */
export function siteRoutes({ store, now, onSiteChange }: AppDeps) {
  const app = new Hono<AppEnv>()

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
    const parsed = validate(newSiteSchema, body ?? {}, ErrorCode.invalidBody, 'invalid site')
    try {
      return c.json(await createSiteWithKeys(store, parsed, now()), 201)
    } catch (error) {
      if (error instanceof SiteExistsError) {
        throw new HttpError(409, ErrorCode.siteExists, error.message)
      }
      throw error
    }
  })

  app.patch('/v1/admin/sites/:id', async (c) => {
    const id = c.req.param('id')
    if (!canAccess(c.get('principal'), id, 'admin')) {
      throw new HttpError(403, ErrorCode.forbidden, 'changing a site needs its admin key')
    }
    const parsed = validate(
      sitePatchSchema,
      await c.req.json().catch(() => undefined),
      ErrorCode.invalidBody,
      'invalid site settings',
    )
    let site: Site | undefined
    try {
      site = await store.updateSite(id, parsed as Partial<Site>)
    } catch (error) {
      if (error instanceof SiteExistsError)
        throw new HttpError(409, ErrorCode.siteExists, error.message)
      throw error
    }
    if (!site) throw new HttpError(404, ErrorCode.siteNotFound, `no site ${id}`)
    onSiteChange(id)
    return c.json(publicSite(site))
  })

  app.get('/v1/sites', async (c) => {
    const principal = c.get('principal')
    const sites = await store.listSites()
    const visible = sites.filter((s) => principal.siteId === null || s.id === principal.siteId)
    return c.json({ sites: visible.map(publicSite) })
  })

  return app
}
