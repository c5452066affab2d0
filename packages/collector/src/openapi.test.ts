import { describe, expect, it } from 'vitest'
import { testApp } from '../test/helpers'

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document listing every route the app serves', async () => {
    const { app } = await testApp()
    const res = await app.request('/openapi.json')
    expect(res.status).toBe(200)
    const doc = (await res.json()) as {
      openapi: string
      paths: Record<string, Record<string, { parameters?: { name: string; required: boolean }[] }>>
    }
    expect(doc.openapi).toBe('3.1.0')
    const served = app.routes
      .filter((r) => r.method !== 'ALL' && r.path !== '/openapi.json')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`),
    )
    expect(served.length).toBeGreaterThan(30)
    for (const route of served) expect(documented, route).toContain(route)
  })

  it('documents query parameters from the zod schemas the routes validate with', async () => {
    const { app } = await testApp()
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        {
          get: {
            parameters: { name: string; required: boolean; schema: Record<string, unknown> }[]
          }
        }
      >
    }
    const params = doc.paths['/v1/stats/breakdown']!.get.parameters
    expect(params.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'site',
        'from',
        'to',
        'filter',
        'dimension',
        'sort',
        'limit',
        'page',
        'goal',
        'format',
      ]),
    )
    expect(params.find((p) => p.name === 'site')!.required).toBe(true)
    expect(params.find((p) => p.name === 'limit')!.schema).toMatchObject({
      maximum: 1000,
      default: 100,
    })
    expect(params.find((p) => p.name === 'sort')!.schema.enum).toContain('bounceRate')
  })
})
