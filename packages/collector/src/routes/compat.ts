import { ErrorCode } from '@pipit/protocol'
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { HttpError, validate } from '../errors'
import { parseJson } from '../ingest/batch'
import { readBody } from '../ingest/body'
import {
  compatMessage,
  hostOf,
  plausibleEventSchema,
  umamiEventSchema,
  umamiUrl,
} from '../ingest/compat'
import { admit, limitClient, requestFacts } from '../ingest/request'
import type { Site } from '../store/types'
import type { AppDeps, AppEnv } from './env'

/**
 * Migration paths: Plausible's `POST /api/event` and Umami's `POST /api/send`
 * take their trackers' payloads unchanged, so a site switches to Pipit by
 * pointing its existing script tag at the collector. The site is found by
 * domain (Plausible's `domain`, Umami's `hostname`) or by id (Umami's
 * `website`, when the site was created with that id).
 */
export function compatRoutes(deps: AppDeps) {
  const { config, sites, pipeline, now } = deps
  const app = new Hono<AppEnv>()
  app.use('/api/*', cors({ origin: (origin) => origin, maxAge: 86_400 }))

  const unknownSite = () => new HttpError(404, ErrorCode.siteNotFound, 'no site for this domain')

  app.post('/api/event', async (c) => {
    const facts = requestFacts(c, deps, true)
    limitClient(c, deps, facts)
    const { text } = await readBody(c, config.maxEventBytes)
    const e = validate(
      plausibleEventSchema,
      parseJson(text),
      ErrorCode.invalidBody,
      'invalid event',
    )
    let site: Site | undefined
    for (const domain of e.domain.split(',')) {
      site = (await sites.byDomain(domain.trim())) ?? (await sites.byId(domain.trim()))
      if (site) break
    }
    if (!site) throw unknownSite()
    admit(c, deps, site, facts)
    const isPageview = e.name === 'pageview'
    const message = compatMessage(
      {
        url: e.url,
        referrer: e.referrer ?? null,
        event: isPageview ? null : e.name,
        properties: { ...e.props },
        library: 'plausible-compat',
      },
      now(),
    )
    await pipeline.messages(site, [message], facts)
    c.status(202)
    return c.text('ok')
  })

  app.post('/api/send', async (c) => {
    const facts = requestFacts(c, deps, true)
    limitClient(c, deps, facts)
    const { text } = await readBody(c, config.maxEventBytes)
    const { type, payload: p } = validate(
      umamiEventSchema,
      parseJson(text),
      ErrorCode.invalidBody,
      'invalid event',
    )
    const host = hostOf(p.hostname ? `https://${p.hostname}` : null)
    const site = (await sites.byId(p.website)) ?? (host ? await sites.byDomain(host) : undefined)
    if (!site) throw unknownSite()
    admit(c, deps, site, facts)
    // Umami's identify attaches session data; Pipit has no anonymous id to attach it to.
    if (type === 'identify') return c.json({})
    const message = compatMessage(
      {
        url: umamiUrl(p.hostname, p.url),
        referrer: p.referrer || null,
        title: p.title ?? null,
        event: p.name ?? null,
        properties: { ...p.data },
        locale: p.language ?? null,
        screen: p.screen ?? null,
        library: 'umami-compat',
      },
      now(),
    )
    await pipeline.messages(site, [message], facts)
    return c.json({})
  })

  return app
}
