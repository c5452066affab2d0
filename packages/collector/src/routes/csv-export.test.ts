import { describe, expect, it } from 'vitest'
import { ADMIN_KEY, postBatch, testApp, trackMessage } from '../../test/helpers'

const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } })
const HOSTILE = ['=HYPERLINK("http://evil.example","x")', '+1', '-1+2', '@SUM(A1)', '\tx', '\rx']

/** Every cell of an RFC 4180 CSV body, as a spreadsheet splits them. */
function cells(text: string): string[] {
  const out: string[] = []
  let i = 0
  while (i < text.length) {
    let cell = ''
    if (text[i] === '"') {
      for (i++; i < text.length; i++) {
        if (text[i] !== '"') cell += text[i]
        else if (text[i + 1] === '"') cell += text[i++]
        else break
      }
      i++
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\n') cell += text[i++]
    }
    out.push(cell)
    i++
  }
  return out
}

// Regression: visitors' values went raw into CSV exports, where a spreadsheet runs them.
describe('CSV exports never start a cell with a formula', () => {
  it('escapes visitors’ values in the stats CSV', async () => {
    const { app, site } = await testApp()
    await postBatch(app, {
      writeKey: site.writeKey,
      batch: HOSTILE.map((event) => trackMessage({ event, timestamp: '2026-03-10T10:00:00Z' })),
    })
    const res = await app.request(
      '/v1/stats/breakdown?site=s1&from=2026-03-01&to=2026-03-31&dimension=event&format=csv',
      bearer(site.readKey),
    )
    expect(res.status).toBe(200)
    const values = cells(await res.text())
    for (const v of HOSTILE) {
      expect(values).toContain(`'${v}`)
      expect(values).not.toContain(v)
    }
  })

  it('escapes the subject’s values in the GDPR export CSV, numbers untouched', async () => {
    const { app, site } = await testApp()
    await postBatch(app, {
      writeKey: site.writeKey,
      batch: HOSTILE.map((event) =>
        trackMessage({
          event,
          userId: 'u1',
          properties: { n: -3 },
          timestamp: '2026-03-10T10:00:00Z',
        }),
      ),
    })
    const res = await app.request('/v1/gdpr/export?site=s1&userId=u1&format=csv', bearer(ADMIN_KEY))
    expect(res.status).toBe(200)
    const values = cells(await res.text())
    for (const v of HOSTILE) {
      expect(values).toContain(`'${v}`)
      expect(values).not.toContain(v)
    }
    expect(values).toContain('{"n":-3}')
  })

  // Regression: the experiment id went unescaped into Content-Disposition.
  it('encodes the experiment id in Content-Disposition (RFC 6266 filename*)', async () => {
    const { app, site } = await testApp()
    const id = 'a";\r\nset-cookie: x=1'
    const res = await app.request(
      `/v1/stats/experiments/${encodeURIComponent(id)}?site=s1&from=2026-03-01&to=2026-03-31&goal=event:Buy&format=csv`,
      bearer(site.readKey),
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('set-cookie')).toBeNull()
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="experiment-a____set-cookie__x_1.csv"; filename*=UTF-8''experiment-${encodeURIComponent(id)}.csv`,
    )
  })
})
