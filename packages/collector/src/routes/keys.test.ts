import { ErrorCode } from '@pipit/protocol'
import { describe, expect, it } from 'vitest'
import { ADMIN_KEY, testApp } from '../../test/helpers'

type App = Awaited<ReturnType<typeof testApp>>['app']
const call = (app: App, method: string, path: string, key?: string, body?: unknown) =>
  app.request(path, {
    method,
    ...(body ? { body: JSON.stringify(body) } : {}),
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      'content-type': 'application/json',
    },
  })
const overview = (app: App, key: string) =>
  call(app, 'GET', '/v1/stats/overview?site=s1&from=2026-01-01&to=2026-01-01', key)

describe('key management', () => {
  it('issues a site admin key that manages its own site only', async () => {
    const { app } = await testApp()
    const res = await call(app, 'POST', '/v1/admin/sites/s1/keys', ADMIN_KEY, { scope: 'admin' })
    expect(res.status).toBe(201)
    const admin = (await res.json()) as { key: string; scope: string }
    expect(admin).toMatchObject({ scope: 'admin', siteId: 's1' })
    expect(admin.key).toMatch(/^sk_admin_/)
    expect((await call(app, 'GET', '/v1/admin/sites/s1/keys', admin.key)).status).toBe(200)
    expect((await call(app, 'GET', '/v1/admin/sites/s2/keys', admin.key)).status).toBe(403)
    expect((await overview(app, admin.key)).status).toBe(200)
    // A site admin key cannot create sites.
    expect((await call(app, 'POST', '/v1/admin/sites', admin.key, { id: 'x' })).status).toBe(403)
  })

  it('lists keys without the secret of read and admin keys', async () => {
    const { app, site } = await testApp()
    const res = await call(app, 'GET', '/v1/admin/sites/s1/keys', ADMIN_KEY)
    const { keys } = (await res.json()) as {
      keys: { scope: string; key?: string; prefix: string }[]
    }
    expect(keys.map((k) => k.scope)).toEqual(['write', 'read'])
    expect(keys[0]!.key).toBe(site.writeKey)
    expect(keys[1]!.key).toBeUndefined()
    expect(site.readKey.startsWith(keys[1]!.prefix)).toBe(true)
    expect(JSON.stringify(keys)).not.toContain(site.readKey)
  })

  it('rotates a read key: the old one stops working at once, the new one works', async () => {
    const { app, site } = await testApp()
    expect((await overview(app, site.readKey)).status).toBe(200)
    const { keys } = (await (
      await call(app, 'GET', '/v1/admin/sites/s1/keys', ADMIN_KEY)
    ).json()) as {
      keys: { id: string; scope: string }[]
    }
    const readId = keys.find((k) => k.scope === 'read')!.id
    const rotated = await call(app, 'POST', `/v1/admin/keys/${readId}/rotate`, ADMIN_KEY)
    expect(rotated.status).toBe(201)
    const fresh = (await rotated.json()) as { key: string; revoked: string }
    expect(fresh.revoked).toBe(readId)
    expect((await overview(app, site.readKey)).status).toBe(401)
    expect((await overview(app, fresh.key)).status).toBe(200)
    expect((await call(app, 'POST', `/v1/admin/keys/${readId}/rotate`, ADMIN_KEY)).status).toBe(409)
  })

  it('revokes a key, and refuses keys of other sites and of lesser scopes', async () => {
    const { app, site, other } = await testApp()
    const { keys } = (await (
      await call(app, 'GET', '/v1/admin/sites/s1/keys', ADMIN_KEY)
    ).json()) as {
      keys: { id: string; scope: string }[]
    }
    const readId = keys.find((k) => k.scope === 'read')!.id
    for (const key of [site.readKey, other.readKey]) {
      const res = await call(app, 'DELETE', `/v1/admin/keys/${readId}`, key)
      expect(res.status).toBe(403)
      expect(await res.json()).toMatchObject({ error: { code: ErrorCode.forbidden } })
    }
    expect((await call(app, 'DELETE', `/v1/admin/keys/${readId}`, site.writeKey)).status).toBe(403)
    expect((await call(app, 'DELETE', `/v1/admin/keys/${readId}`)).status).toBe(401)
    const revoked = await call(app, 'DELETE', `/v1/admin/keys/${readId}`, ADMIN_KEY)
    expect(await revoked.json()).toEqual({ id: readId, revoked: true })
    expect((await overview(app, site.readKey)).status).toBe(401)
    expect((await call(app, 'DELETE', '/v1/admin/keys/nope', ADMIN_KEY)).status).toBe(404)
    const bad = await call(app, 'POST', '/v1/admin/sites/s1/keys', ADMIN_KEY, { scope: 'root' })
    expect(bad.status).toBe(400)
  })
})
