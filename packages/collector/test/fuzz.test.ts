import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tmpDb } from './helpers'
import { type CollectorProcess, startCollectorProcess } from './process'

const ADMIN = 'fuzz-admin-key-0123456789abcdef'

/** A small seeded generator, so a failing body can be reproduced. */
function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const weird = [
  null,
  true,
  0,
  -1,
  1e308,
  -0,
  '',
  ' ',
  'null',
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e',
  '😀'.repeat(50),
  'x'.repeat(5_000),
  [],
  {},
  [[[]]],
  { __proto__: { polluted: 1 } },
  '2026-13-45T99:99:99Z',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  'yesterday',
  12345,
]

function mutate(r: () => number, value: unknown, depth = 0): unknown {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!
  if (depth > 3 || r() < 0.3) return pick(weird)
  if (Array.isArray(value)) return value.map((v) => mutate(r, v, depth + 1))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      if (r() < 0.15) continue
      out[r() < 0.05 ? pick(['', '__proto__', 'constructor', '\u0000']) : k] =
        r() < 0.4 ? mutate(r, v, depth + 1) : v
    }
    return out
  }
  return pick(weird)
}

function bodies(writeKey: string, count: number) {
  const r = rng(20_261_124)
  const good = (id: string) => ({
    type: 'track',
    event: 'Good',
    messageId: id,
    anonymousId: 'a',
    properties: { ok: true },
  })
  const out: { body: BodyInit; goodIds: string[] }[] = []
  for (let i = 0; i < count; i++) {
    const kind = i % 6
    const id = `good-${i}`
    if (kind === 0) {
      out.push({
        body: Uint8Array.from({ length: 1 + Math.floor(r() * 2_000) }, () => Math.floor(r() * 256)),
        goodIds: [],
      })
    } else if (kind === 1) {
      const depth = 1 + Math.floor(r() * 20_000)
      const nested = `{"batch":[{"type":"track","event":"x","messageId":"d${i}","anonymousId":"a","properties":{"p":${'['.repeat(depth)}${']'.repeat(depth)}}}],"writeKey":"${writeKey}"}`
      out.push({ body: nested, goodIds: [] })
    } else if (kind === 2) {
      const batch = [good(id), mutate(r, good(`bad-${i}`)), mutate(r, good(`bad2-${i}`))]
      out.push({ body: JSON.stringify({ batch, writeKey }), goodIds: [id] })
    } else if (kind === 3) {
      out.push({
        body: JSON.stringify(
          mutate(r, { batch: [good(id)], writeKey, sentAt: '2026-01-01T00:00:00Z' }),
        ),
        goodIds: [],
      })
    } else if (kind === 4) {
      const text = JSON.stringify({ batch: [good(id)], writeKey })
      out.push({ body: text.slice(0, Math.floor(r() * text.length)), goodIds: [] })
    } else {
      const batch = [good(id), { ...good(`big-${i}`), properties: { s: '\u00e9'.repeat(40_000) } }]
      out.push({ body: JSON.stringify({ batch, writeKey }), goodIds: [id] })
    }
  }
  return out
}

describe('fuzzing /v1/batch on a real server', () => {
  let collector: CollectorProcess
  let db: string
  let writeKey: string
  beforeAll(async () => {
    db = tmpDb()
    collector = await startCollectorProcess({
      db,
      env: { PIPIT_ADMIN_KEY: ADMIN, PIPIT_RATE_LIMIT_CLIENT: '0' },
    })
    const res = await fetch(`${collector.url}/v1/admin/sites`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ id: 'fz' }),
    })
    writeKey = ((await res.json()) as { writeKey: string }).writeKey
  })
  afterAll(() => collector.stop())

  it('answers 3,000 malformed bodies without a 5xx and stores the good events next to bad ones', async () => {
    const cases = bodies(writeKey, 3_000)
    const statuses = new Map<number, number>()
    const serverErrors: string[] = []
    let next = 0
    async function worker() {
      while (next < cases.length) {
        const c = cases[next++]!
        const res = await fetch(`${collector.url}/v1/batch`, { method: 'POST', body: c.body })
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        const text = await res.text()
        if (res.status >= 500) serverErrors.push(`${res.status} ${text}`)
        else expect(() => JSON.parse(text) as unknown, `not JSON: ${text}`).not.toThrow()
      }
    }
    await Promise.all(Array.from({ length: 8 }, worker))
    expect(serverErrors).toEqual([])
    expect(collector.child.exitCode).toBeNull()
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200)

    const expected = cases.flatMap((c) => c.goodIds)
    const file = new Database(db, { readonly: true })
    const stored = new Set(
      file.prepare("SELECT message_id FROM events WHERE message_id LIKE 'good-%'").pluck().all(),
    )
    file.close()
    expect(expected.filter((id) => !stored.has(id))).toEqual([])
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true)
  }, 120_000)
})
