import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { createTracker } from '@pipit/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tmpDb } from './helpers'
import { type CollectorProcess, startCollectorProcess } from './process'

const ADMIN = 'gdpr-e2e-admin-key-0123456789'
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const repo = fileURLToPath(new URL('../../../', import.meta.url))
const run = promisify(execFile)
const DAY = 86_400_000

describe('GDPR end to end through a real server', () => {
  let collector: CollectorProcess
  let db: string
  let site: { writeKey: string; readKey: string }
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${collector.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
  const rows = (sql: string) => {
    const file = new Database(db, { readonly: true })
    const result = file.prepare(sql).all()
    file.close()
    return result
  }
  const batch = (messages: object[]) =>
    fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      body: JSON.stringify({ writeKey: site.writeKey, batch: messages }),
    })

  beforeAll(async () => {
    db = tmpDb()
    collector = await startCollectorProcess({ db, env: { PIPIT_ADMIN_KEY: ADMIN } })
    site = (await (
      await call('POST', '/v1/admin/sites', { id: 'g', timezone: 'UTC' })
    ).json()) as typeof site
  })
  afterAll(() => collector.stop())

  it('exports, erases and suppresses a subject tracked by the SDK and by raw batches', async () => {
    const tracker = createTracker({
      writeKey: site.writeKey,
      host: collector.url,
      flushInterval: 60_000,
      consent: 'granted',
    })
    for (let i = 0; i < 5; i++) tracker.track('Viewed', { i })
    await tracker.flush()
    tracker.shutdown()
    const found = rows("SELECT DISTINCT anonymous_id AS anon FROM events WHERE site_id = 'g'") as {
      anon: string
    }[]
    expect(found).toHaveLength(1)
    const anon = found[0]!.anon
    const now = new Date().toISOString()
    await batch([
      {
        type: 'identify',
        messageId: 'id-1',
        anonymousId: anon,
        userId: 'u-e2e',
        traits: { email: 'e2e@example.com' },
        timestamp: now,
      },
      ...[1, 2, 3].map((i) => ({
        type: 'track',
        event: 'Bought',
        messageId: `u-${i}`,
        userId: 'u-e2e',
        timestamp: now,
      })),
      ...[1, 2, 3, 4].map((i) => ({
        type: 'page',
        messageId: `other-${i}`,
        anonymousId: `other-${i % 2}`,
        properties: { path: '/' },
        timestamp: now,
      })),
    ])
    const subjectIds = (
      rows(
        `SELECT message_id AS id FROM events WHERE site_id = 'g' AND (user_id = 'u-e2e' OR anonymous_id = '${anon}') ORDER BY rowid`,
      ) as { id: string }[]
    ).map((r) => r.id)
    expect(subjectIds).toHaveLength(9)

    const json = (await (await call('GET', '/v1/gdpr/export?site=g&userId=u-e2e')).json()) as {
      events: { messageId: string }[]
    }
    expect(json.events.map((e) => e.messageId)).toEqual(subjectIds)
    const ndjson = await (
      await call('GET', `/v1/gdpr/export?site=g&anonymousId=${anon}&format=ndjson`)
    ).text()
    const ndIds = ndjson
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { record: string; messageId: string })
      .filter((r) => r.record === 'event')
      .map((r) => r.messageId)
    expect(ndIds).toEqual(subjectIds)
    const csv = await (await call('GET', '/v1/gdpr/export?site=g&userId=u-e2e&format=csv')).text()
    expect(
      csv
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('event,'))
        .map((l) => l.split(',')[4]),
    ).toEqual(subjectIds)

    const today = now.slice(0, 10)
    const overview = async () =>
      (await (
        await call('GET', `/v1/stats/overview?site=g&from=${today}&to=${today}`)
      ).json()) as unknown
    const erased = (await (
      await call('POST', '/v1/gdpr/delete', { site: 'g', userId: 'u-e2e' })
    ).json()) as { deleted: number }
    expect(erased.deleted).toBe(9)
    expect(
      rows(
        `SELECT message_id FROM events WHERE site_id = 'g' AND (user_id = 'u-e2e' OR anonymous_id = '${anon}')`,
      ),
    ).toEqual([])
    // Equal to a fresh computation over what is left, straight from the file.
    const [left] = rows(
      "SELECT COUNT(DISTINCT visitor_id) AS visitors, SUM(type = 'page') AS pageviews, SUM(type = 'track') AS events FROM events WHERE site_id = 'g'",
    ) as { visitors: number; pageviews: number; events: number }[]
    expect(await overview()).toMatchObject({
      visitors: left!.visitors,
      pageviews: left!.pageviews,
      events: left!.events ?? 0,
    })
    expect(left).toMatchObject({ visitors: 2, pageviews: 4 })
    expect(JSON.stringify(rows('SELECT * FROM events'))).not.toContain('e2e@example.com')

    await call('POST', '/v1/gdpr/opt-out', { site: 'g', userId: 'u-e2e' })
    const after = await batch([
      { type: 'track', event: 'Back', messageId: 'back-1', userId: 'u-e2e', timestamp: now },
    ])
    expect(await after.json()).toMatchObject({ accepted: 0, dropped: 1 })
    expect(rows("SELECT * FROM events WHERE message_id = 'back-1'")).toEqual([])
  })

  it('purges exactly the expired raw events with `pipit purge`, after a dry run', async () => {
    const now = Date.now()
    await batch([
      {
        type: 'track',
        event: 'Old',
        messageId: 'old-1',
        anonymousId: 'x',
        timestamp: new Date(now - 100 * DAY).toISOString(),
      },
      {
        type: 'track',
        event: 'Old',
        messageId: 'old-2',
        anonymousId: 'x',
        timestamp: new Date(now - 91 * DAY).toISOString(),
      },
      {
        type: 'track',
        event: 'Kept',
        messageId: 'kept-1',
        anonymousId: 'x',
        timestamp: new Date(now - 80 * DAY).toISOString(),
      },
    ])
    const purge = (...args: string[]) =>
      run(
        process.execPath,
        [
          '--conditions=source',
          '--import',
          'tsx',
          cli,
          'purge',
          '--db',
          db,
          '--site',
          'g',
          ...args,
        ],
        { cwd: repo },
      )
    const dry = await purge('--dry-run')
    expect(dry.stdout).toMatch(/^g: would delete 2 raw events before /m)
    expect(rows("SELECT message_id FROM events WHERE message_id LIKE 'old-%'")).toHaveLength(2)
    const real = await purge()
    expect(real.stdout).toMatch(/^g: deleted 2 raw events before /m)
    expect(
      rows("SELECT message_id AS id FROM events WHERE message_id IN ('old-1', 'old-2', 'kept-1')"),
    ).toEqual([{ id: 'kept-1' }])
    // 15 days on, the 80-day-old event has expired too.
    const later = await purge('--now', new Date(now + 15 * DAY).toISOString())
    expect(later.stdout).toMatch(/^g: deleted 1 raw events/m)
    const { entries } = (await (await call('GET', '/v1/gdpr/audit?site=g')).json()) as {
      entries: { action: string; actor: string; rows: number }[]
    }
    expect(entries.filter((e) => e.action === 'purge').map((e) => [e.actor, e.rows])).toEqual([
      ['cli', 1],
      ['cli', 2],
    ])
  }, 60_000)
})
