import { ErrorCode } from '@pipit/protocol'
import { describe, expect, it } from 'vitest'
import { ADMIN_KEY, testApp } from '../../test/helpers'

const auth = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }

/** Every route that takes a JSON body, with the method it takes it on. */
const JSON_ROUTES: [string, string][] = [
  ['POST', '/v1/stats/funnel'],
  ['POST', '/v1/stats/goals?site=s1'],
  ['POST', '/v1/gdpr/delete'],
  ['POST', '/v1/gdpr/opt-out'],
  ['DELETE', '/v1/gdpr/opt-out'],
  ['POST', '/v1/gdpr/purge'],
  ['POST', '/v1/admin/sites'],
  ['PATCH', '/v1/admin/sites/s1'],
  ['POST', '/v1/admin/sites/s1/keys'],
]

/** A JSON object of exactly `bytes` bytes. */
const jsonOf = (bytes: number) => {
  const shell = JSON.stringify({ site: 's1', pad: '' })
  return JSON.stringify({ site: 's1', pad: 'x'.repeat(bytes - shell.length) })
}

describe('body limits on the JSON API', () => {
  // Regression: these routes read whole bodies of any size with c.req.json().
  it.each(JSON_ROUTES)(
    '%s %s answers 413 past the cap and reads up to it',
    async (method, path) => {
      const { app } = await testApp({ config: { maxApiBodyBytes: 1_024 } })
      const over = await app.request(path, { method, body: jsonOf(1_025), headers: auth })
      expect(over.status).toBe(413)
      expect(await over.json()).toMatchObject({ error: { code: ErrorCode.payloadTooLarge } })
      const at = await app.request(path, { method, body: jsonOf(1_024), headers: auth })
      expect(at.status).not.toBe(413)
    },
  )

  it('refuses a declared Content-Length over the cap without reading the body', async () => {
    const { app } = await testApp({ config: { maxApiBodyBytes: 1_024 } })
    let pulls = 0
    // A body that never ends: reading it would hang the request.
    const body = new ReadableStream<Uint8Array>({
      pull: () => {
        pulls++
        return new Promise(() => {})
      },
    })
    const res = await app.request('/v1/gdpr/delete', {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { ...auth, 'content-length': '10000000' },
    } as RequestInit)
    expect(res.status).toBe(413)
    expect(pulls).toBeLessThanOrEqual(1) // a stream pulls once on creation, never read on
  })
})

describe('read-side rate limits per key', () => {
  // Regression: stats, admin and GDPR routes took any number of queries from one key.
  it('limits each key on stats, GDPR and admin routes, with Retry-After and a code', async () => {
    let t = Date.parse('2026-03-10T12:00:00Z')
    const { app, site } = await testApp({ now: () => t, config: { rateLimitRead: 3 } })
    const get = (path: string, key: string) =>
      app.request(path, { headers: { authorization: `Bearer ${key}` } })
    const overview = '/v1/stats/overview?site=s1&from=2026-03-01&to=2026-03-10'
    for (let i = 0; i < 3; i++) expect((await get(overview, site.readKey)).status).toBe(200)
    const limited = await get(overview, site.readKey)
    expect(limited.status).toBe(429)
    // 3 a minute: the next query is 20 s away.
    expect(limited.headers.get('retry-after')).toBe('20')
    expect(await limited.json()).toMatchObject({ error: { code: ErrorCode.rateLimited } })

    // Another key has its own budget, spent on GDPR and admin routes alike.
    expect((await get('/v1/gdpr/audit?site=s1', ADMIN_KEY)).status).toBe(200)
    expect((await get('/v1/admin/sites/s1/keys', ADMIN_KEY)).status).toBe(200)
    expect((await get('/v1/sites', ADMIN_KEY)).status).toBe(200)
    expect((await get('/v1/gdpr/audit?site=s1', ADMIN_KEY)).status).toBe(429)
    expect((await get('/v1/admin/sites/s1/keys', ADMIN_KEY)).status).toBe(429)

    t += 20_000
    expect((await get(overview, site.readKey)).status).toBe(200)
    expect((await get(overview, site.readKey)).status).toBe(429)
  })

  it('is off at 0', async () => {
    const { app, site } = await testApp({ config: { rateLimitRead: 0 } })
    for (let i = 0; i < 100; i++) {
      const res = await app.request('/v1/sites', {
        headers: { authorization: `Bearer ${site.readKey}` },
      })
      expect(res.status).toBe(200)
    }
  })
})
