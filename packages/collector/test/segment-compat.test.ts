import { Analytics } from '@segment/analytics-node'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tmpDb } from './helpers'
import { type CollectorProcess, startCollectorProcess } from './process'

const ADMIN = 'segment-admin-key-0123456789abc'

describe('an unmodified Segment client', () => {
  let collector: CollectorProcess
  let db: string
  beforeAll(async () => {
    db = tmpDb()
    collector = await startCollectorProcess({ db, env: { PIPIT_ADMIN_KEY: ADMIN } })
  })
  afterAll(() => collector.stop())

  it('@segment/analytics-node sends every call type to Pipit with only its host changed', async () => {
    const res = await fetch(`${collector.url}/v1/admin/sites`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ id: 'seg' }),
    })
    const { writeKey } = (await res.json()) as { writeKey: string }
    const analytics = new Analytics({ writeKey, host: collector.url, flushAt: 5, maxRetries: 0 })
    const failures: unknown[] = []
    analytics.on('error', (e) => failures.push(e))

    analytics.identify({ userId: 'u-1', traits: { plan: 'pro' } })
    analytics.track({ userId: 'u-1', event: 'Order Completed', properties: { revenue: 42 } })
    analytics.page({
      anonymousId: 'anon-9',
      name: 'Pricing',
      properties: { path: '/pricing', url: 'https://shop.example/pricing' },
    })
    analytics.screen({ userId: 'u-1', name: 'Cart' })
    analytics.group({ userId: 'u-1', groupId: 'acme', traits: { seats: 5 } })
    analytics.alias({ userId: 'u-1', previousId: 'anon-9' })
    for (let i = 0; i < 14; i++)
      analytics.track({ anonymousId: 'anon-9', event: 'Item Viewed', properties: { i } })
    await analytics.closeAndFlush({ timeout: 10_000 })
    expect(failures).toEqual([])

    const file = new Database(db, { readonly: true })
    const rows = file
      .prepare("SELECT type, name, user_id, anonymous_id, path FROM events WHERE site_id = 'seg'")
      .all() as { type: string; name: string | null; path: string | null }[]
    file.close()
    expect(rows).toHaveLength(20)
    const byType = (t: string) => rows.filter((r) => r.type === t)
    expect(
      byType('track')
        .map((r) => r.name)
        .filter((n) => n === 'Item Viewed'),
    ).toHaveLength(14)
    expect(byType('track').some((r) => r.name === 'Order Completed')).toBe(true)
    expect(byType('page')).toEqual([
      { type: 'page', name: 'Pricing', user_id: null, anonymous_id: 'anon-9', path: '/pricing' },
    ])
    for (const t of ['identify', 'screen', 'group', 'alias']) expect(byType(t), t).toHaveLength(1)
  }, 30_000)
})
