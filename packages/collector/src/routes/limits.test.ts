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
