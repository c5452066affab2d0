import { describe, expect, it } from 'vitest'
import { ADMIN_KEY, testApp, trackMessage } from '../../test/helpers'

type Who =
  | 'none'
  | 'garbage'
  | 'write'
  | 'read'
  | 'admin'
  | 'otherWrite'
  | 'otherRead'
  | 'otherAdmin'
  | 'instance'
const everyone: Who[] = [
  'none',
  'garbage',
  'write',
  'read',
  'admin',
  'otherWrite',
  'otherRead',
  'otherAdmin',
  'instance',
]

interface Route {
  method: string
  path: string
  body?: unknown
  /** Who gets a 2xx; everybody else must get 401 or 403. */
  allowed: Who[]
}

const q = 'site=s1&from=2026-03-01&to=2026-03-31'
const routes: Route[] = [
  { method: 'GET', path: `/v1/stats/overview?${q}`, allowed: ['read', 'admin', 'instance'] },
  {
    method: 'GET',
    path: '/v1/sites',
    allowed: ['read', 'admin', 'otherRead', 'otherAdmin', 'instance'],
  },
  { method: 'POST', path: '/v1/admin/sites', body: {}, allowed: ['instance'] },
  {
    method: 'PATCH',
    path: '/v1/admin/sites/s1',
    body: { name: 'Shop' },
    allowed: ['admin', 'instance'],
  },
  { method: 'GET', path: '/v1/admin/sites/s1/keys', allowed: ['admin', 'instance'] },
  {
    method: 'POST',
    path: '/v1/admin/sites/s1/keys',
    body: { scope: 'read' },
    allowed: ['admin', 'instance'],
  },
  { method: 'GET', path: '/v1/gdpr/export?site=s1&userId=u1', allowed: ['admin', 'instance'] },
  {
    method: 'POST',
    path: '/v1/gdpr/delete',
    body: { site: 's1', userId: 'u1' },
    allowed: ['admin', 'instance'],
  },
  {
    method: 'POST',
    path: '/v1/gdpr/opt-out',
    body: { site: 's1', userId: 'u1' },
    allowed: ['admin', 'instance'],
  },
  { method: 'DELETE', path: '/v1/gdpr/opt-out?site=s1&userId=u1', allowed: ['admin', 'instance'] },
  { method: 'GET', path: '/v1/gdpr/audit?site=s1', allowed: ['admin', 'instance'] },
  {
    method: 'POST',
    path: '/v1/gdpr/purge',
    body: { site: 's1', dryRun: true },
    allowed: ['admin', 'instance'],
  },
  { method: 'GET', path: '/metrics', allowed: ['instance'] },
]

describe('access control', () => {
  it.each(routes.map((r) => [`${r.method} ${r.path.split('?')[0]}`, r] as const))(
    '%s answers only the keys that may use it',
    async (_name, route) => {
      const t = await testApp()
      const make = async (site: string) => {
        const res = await t.app.request(`/v1/admin/sites/${site}/keys`, {
          method: 'POST',
          body: JSON.stringify({ scope: 'admin' }),
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        })
        return ((await res.json()) as { key: string }).key
      }
      const keys: Record<Who, string | undefined> = {
        none: undefined,
        garbage: 'sk_read_not-a-key',
        write: t.site.writeKey,
        read: t.site.readKey,
        admin: await make('s1'),
        otherWrite: t.other.writeKey,
        otherRead: t.other.readKey,
        otherAdmin: await make('s2'),
        instance: ADMIN_KEY,
      }
      for (const who of everyone) {
        const key = keys[who]
        const res = await t.app.request(route.path, {
          method: route.method,
          ...(route.body ? { body: JSON.stringify(route.body) } : {}),
          headers: {
            'content-type': 'application/json',
            ...(key ? { authorization: `Bearer ${key}` } : {}),
          },
        })
        await res.arrayBuffer()
        if (route.allowed.includes(who)) expect(res.status, who).toBeLessThan(300)
        else expect([401, 403], `${who} got ${res.status}`).toContain(res.status)
      }
    },
  )

  it('takes events only with a write key, never with a secret one', async () => {
    const t = await testApp()
    for (const [key, status] of [
      [t.site.writeKey, 200],
      [t.site.readKey, 401],
      [ADMIN_KEY, 401],
      ['pk_unknown', 401],
    ] as const) {
      const res = await t.app.request('/v1/batch', {
        method: 'POST',
        body: JSON.stringify({ batch: [trackMessage()], writeKey: key }),
      })
      expect(res.status, key).toBe(status)
    }
  })
})
