import { ErrorCode } from '@pipit/protocol'
import { Hono } from 'hono'
import { z } from 'zod'
import { KeyAdminError, issueKey, listedKey, revokeKey, rotateKey } from '../auth/key-admin'
import { canAccess } from '../auth/resolver'
import { HttpError, validate } from '../errors'
import type { AppDeps, AppEnv } from './env'

export const newKeySchema = z.object({ scope: z.enum(['write', 'read', 'admin']) }).strict()

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

  /** Runs a key operation, answering its refusals as HTTP errors. */
  async function attempt<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op()
    } catch (error) {
      if (error instanceof KeyAdminError) {
        throw error.reason === 'not_found'
          ? new HttpError(404, ErrorCode.notFound, error.message)
          : new HttpError(409, ErrorCode.invalidBody, error.message)
      }
      throw error
    }
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
    const parsed = validate(
      newKeySchema,
      await c.req.json().catch(() => undefined),
      ErrorCode.invalidBody,
      'expected { "scope": "write" | "read" | "admin" }',
    )
    if (!(await store.getSite(siteId)))
      throw new HttpError(404, ErrorCode.siteNotFound, `no site ${siteId}`)
    return c.json(await issueKey(store, siteId, parsed.scope, now()), 201)
  })

  app.post('/v1/admin/keys/:keyId/rotate', async (c) => {
    const old = await keyOf(c.req.param('keyId'))
    mustAdminister(c.get('principal'), old.siteId)
    const rotated = await attempt(() => rotateKey(store, old.id, now()))
    keys.forget()
    return c.json(rotated, 201)
  })

  app.delete('/v1/admin/keys/:keyId', async (c) => {
    const key = await keyOf(c.req.param('keyId'))
    mustAdminister(c.get('principal'), key.siteId)
    const result = await attempt(() => revokeKey(store, key.id, now()))
    keys.forget()
    return c.json(result)
  })

  return app
}
