import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { makeEvent } from '../src/store/conformance'
import { migrateStore } from '../src/store/migrate'
import { createPostgresStore } from '../src/store/postgres/index'
import { createSqliteStore } from '../src/store/sqlite/index'
import type { EventStore, StatsQuery } from '../src/store/types'
import { DEFAULT_SETTINGS } from '../src/store/types'
import { tmpDb } from './helpers'
import { postgresTestDatabases } from './postgres'

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const repo = fileURLToPath(new URL('../../../', import.meta.url))
const run = promisify(execFile)
const pipit = (...args: string[]) =>
  run(process.execPath, ['--conditions=source', '--import', 'tsx', cli, ...args], { cwd: repo })

const databases = postgresTestDatabases()
const opened: EventStore[] = []
afterAll(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()))
  await databases.dispose()
})
const sqlite = (path = tmpDb()) => {
  const store = createSqliteStore({ path, threads: 'inline' })
  opened.push(store)
  return store
}

const DAY = Date.parse('2026-03-10T12:00:00Z')
const week: StatsQuery = {
  siteId: 'shop',
  timezone: 'Europe/Berlin',
  from: '2026-03-09',
  to: '2026-03-15',
  filters: [],
}

/** A store holding one of everything a collector keeps. */
async function filled(store: EventStore) {
  const settings = { ...DEFAULT_SETTINGS, retentionDays: 30 }
  await store.createSite({
    id: 'shop',
    name: 'Shop',
    timezone: 'Europe/Berlin',
    domain: 'shop.example',
    settings,
    createdAt: 1,
  })
  const key = { prefix: 'pk_', publicKey: null, createdAt: 2, revokedAt: null }
  await store.createKey({ ...key, id: 'k1', siteId: 'shop', scope: 'write', hash: 'h1' })
  await store.createKey({ ...key, id: 'k2', siteId: 'shop', scope: 'read', hash: 'h2' })
  await store.createKey({ ...key, id: 'k3', siteId: null, scope: 'admin', hash: 'h3' })
  await store.revokeKey('k2', 5)
  await store.createGoal({
    siteId: 'shop',
    id: 'g1',
    name: 'Signups',
    kind: 'event',
    value: 'Signed Up',
    createdAt: 3,
  })
  await store.addSuppression({ siteId: 'shop', kind: 'userId', value: 'u9', createdAt: 4 })
  for (const at of [6, 7]) {
    await store.appendAudit({
      siteId: 'shop',
      at,
      actor: 'cli',
      action: 'export',
      subjectKind: 'userId',
      subjectId: 'u1',
      rows: at,
    })
  }
  const events = Array.from({ length: 250 }, (_, i) =>
    makeEvent({
      siteId: 'shop',
      messageId: `m${i}`,
      type: i % 3 ? 'page' : 'track',
      path: i % 3 ? `/p${i % 7}` : null,
      visitorId: `v${i % 40}`,
      anonymousId: `v${i % 40}`,
      timestamp: DAY + i * 61_000,
      properties: { n: i },
    }),
  )
  await store.insertEvents(events)
  return events
}

describe('pipit migrate', () => {
  it('copies everything a store holds, and a re-run copies only what is new', async () => {
    const from = sqlite()
    const to = sqlite()
    const events = await filled(from)
    const progress: number[] = []
    const first = await migrateStore(from, to, {
      pageSize: 100,
      onProgress: (p) => progress.push(p.done),
    })
    expect(first).toEqual({
      sites: 1,
      keys: 3,
      goals: 1,
      suppressions: 1,
      audit: 2,
      events: 250,
      inserted: 250,
    })
    expect(progress).toEqual([100, 200, 250])
    expect(await to.getSite('shop')).toEqual(await from.getSite('shop'))
    expect(await to.listKeys('shop')).toEqual(await from.listKeys('shop'))
    expect(await to.listKeys(null)).toEqual(await from.listKeys(null))
    expect(await to.listGoals('shop')).toEqual(await from.listGoals('shop'))
    expect(await to.listSuppressions('shop')).toEqual(await from.listSuppressions('shop'))
    expect(await to.listAudit('shop', 10)).toEqual(await from.listAudit('shop', 10))
    expect(await to.listEvents('shop')).toEqual(events)
    await from.aggregate()
    await to.aggregate()
    expect(await to.statsTotals(week)).toEqual(await from.statsTotals(week))

    await from.insertEvents([makeEvent({ siteId: 'shop', messageId: 'late', timestamp: DAY })])
    const again = await migrateStore(from, to)
    expect(again).toMatchObject({ keys: 0, goals: 0, suppressions: 0, audit: 0, inserted: 1 })
    expect(await to.countEvents('shop')).toBe(251)
    expect(await to.listAudit('shop', 10)).toHaveLength(2)
  })

  it.skipIf(!databases.available)(
    'moves a SQLite file into PostgreSQL from the command line, with progress, safely twice',
    async () => {
      const file = tmpDb()
      await filled(sqlite(file))
      const url = await databases.fresh()
      const first = await pipit('migrate', '--from', file, '--to', url)
      expect(first.stdout).toContain(
        'copied 1 sites, 3 keys, 1 goals, 1 suppressions, 2 audit entries and 250 events (250 new)',
      )
      expect(first.stderr).toContain('shop: 100% (250/250 events)')
      const second = await pipit('migrate', '--from', file, '--to', url)
      expect(second.stdout).toContain('and 250 events (0 new)')
      const pg = await createPostgresStore({ url })
      opened.push(pg)
      expect(await pg.countEvents('shop')).toBe(250)
      expect((await pg.getKey('k2'))?.revokedAt).toBe(5)
      await pg.aggregate()
      const source = sqlite(file)
      await source.aggregate()
      expect(await pg.statsTotals(week)).toEqual(await source.statsTotals(week))
    },
    60_000,
  )

  it('refuses a missing or identical target', async () => {
    await expect(pipit('migrate', '--from', tmpDb())).rejects.toMatchObject({
      stderr: expect.stringContaining('--to: where to copy to') as unknown,
    })
    const file = tmpDb()
    await expect(pipit('migrate', '--from', file, '--to', file)).rejects.toMatchObject({
      stderr: expect.stringContaining('--to: the same database as --from') as unknown,
    })
  })
})
