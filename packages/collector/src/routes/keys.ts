import { ErrorCode } from '@pipit/protocol'
import { Hono } from 'hono'
import { z } from 'zod'
import { generateKey } from '../auth/keys'
import { canAccess } from '../auth/resolver'
import { HttpError, describeIssues } from '../errors'
import type { KeyRecord } from '../store/types'
import type { AppDeps, AppEnv } from './env'

/** A key as listings show it: never the secret of a read or admin key (only its hash is kept). */
function listedKey(k: KeyRecord) {
  return {
    id: k.id,
    siteId: k.siteId,
    scope: k.scope,
    prefix: k.prefix,
    ...(k.publicKey ? { key: k.publicKey } : {}),
    createdAt: new Date(k.createdAt).toISOString(),
    revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
  }
}

const newKeySchema = z.object({ scope: z.enum(['write', 'read', 'admin']) }).strict()

/**
 * Key management (admin key of the site, or the instance admin key):
 * `GET /v1/admin/sites/:id/keys`, `POST /v1/admin/sites/:id/keys` `{ scope }`,
 * `POST /v1/admin/keys/:keyId/rotate` and `DELETE /v1/admin/keys/:keyId`.
 * A new secret is answered once; afterwards only its prefix is shown.
 */
export function keyRoutes({ store, keys, now }: AppDeps) {
  const app = new Hono<AppEnv>()

  const mustAdminister = (principal: AppEnv['Variables']['principal'], siteId: string | null) => {
    const ok =
      siteId === null
        ? principal.kind === 'admin' && principal.siteId === null
        : canAccess(principal, siteId, 'admin')
    if (!ok)
      throw new HttpError(403, ErrorCode.forbidden, 'managing keys needs an admin key of that site')
  }

  async function keyOf(keyId: string) {
    const key = await store.getKey(keyId)
    if (!key) throw new HttpError(404, ErrorCode.notFound, `no key ${keyId}`)
    return key
  }

  async function issue(siteId: string | null, scope: KeyRecord['scope']) {
    const { secret, record } = generateKey({ siteId, scope, now: now() })
    await store.createKey(record)
    return { ...listedKey(record), key: secret }
  }

  app.get('/v1/admin/sites/:id/keys', async (c) => {
    const siteId = c.req.param('id')
    mustAdminister(c.get('principal'), siteId)
    if (!(await store.getSite(siteId)))
      throw new HttpError(404, ErrorCode.siteNotFound, `no site ${siteId}`)
    return c.json({ keys: (await store.listKeys(siteId)).map(listedKey) })
  })

  app.post('/v1/admin/sites/:id/keys', async (c) => {
    const siteId = c.req.param('id')
    mustAdminister(c.get('principal'), siteId)
    const parsed = newKeySchema.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success) {
      throw new HttpError(
        400,
        ErrorCode.invalidBody,
        'expected { "scope": "write" | "read" | "admin" }',
        describeIssues(parsed.error.issues),
      )
    }
    if (!(await store.getSite(siteId)))
      throw new HttpError(404, ErrorCode.siteNotFound, `no site ${siteId}`)
    return c.json(await issue(siteId, parsed.data.scope), 201)
  })

  app.post('/v1/admin/keys/:keyId/rotate', async (c) => {
    const old = await keyOf(c.req.param('keyId'))
    mustAdminister(c.get('principal'), old.siteId)
    if (old.revokedAt !== null)
      throw new HttpError(409, ErrorCode.invalidBody, 'the key is revoked already')
    const fresh = await issue(old.siteId, old.scope)
    await store.revokeKey(old.id, now())
    keys.forget()
    return c.json({ revoked: old.id, ...fresh }, 201)
  })

  app.delete('/v1/admin/keys/:keyId', async (c) => {
    const key = await keyOf(c.req.param('keyId'))
    mustAdminister(c.get('principal'), key.siteId)
    const revoked = await store.revokeKey(key.id, now())
    keys.forget()
    return c.json({ id: key.id, revoked })
  })

  return app
}
