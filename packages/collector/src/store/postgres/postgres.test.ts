import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import pg from 'pg'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { postgresTestDatabases } from '../../../test/postgres'
import {
  describeEventLogConformance,
  describeMetaStoreConformance,
  makeEvent,
} from '../conformance'
import type { Site } from '../types'
import { DEFAULT_SETTINGS } from '../types'
import type { PostgresStore } from './index'
import { describeStatsOracle } from '../../../test/stats-oracle'
import { describeStatsStoreConformance } from '../stats-conformance'
import { createPostgresStore, migrate, migrations } from './index'

const databases = postgresTestDatabases()
afterAll(() => databases.dispose())

const open: PostgresStore[] = []
const store = async (url?: string, poolSize?: number) => {
  const s = await createPostgresStore({ url: url ?? (await databases.fresh()), poolSize })
  open.push(s)
  return s
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()))
})

const site = (id: string): Site => ({
  id,
  name: id,
  timezone: 'UTC',
  domain: null,
  settings: DEFAULT_SETTINGS,
  createdAt: 0,
})
const day = (month: number, d: number) => Date.UTC(2026, month - 1, d, 12)
const ids = (n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

/** The partitions of `events`, by name. */
const partitionNames = async (s: PostgresStore) =>
  (
    await s.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass ORDER BY 1`,
    )
  ).rows.map((r) => r.name)
const count = async (s: PostgresStore, sql: string, params: unknown[] = []) =>
  (await s.pool.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${sql}`, params)).rows[0]!
    .n

const suite = databases.available
  ? 'postgres'
  : `postgres (skipped: ${databases.missing ?? 'no server'})`

describe.skipIf(!databases.available)(suite, () => {
  describeMetaStoreConformance('postgres', () => store())
  describeEventLogConformance('postgres', () => store())
  describeStatsStoreConformance('postgres', () => store())
  describeStatsOracle('postgres', () => store())

  it('applies each migration exactly once when three collectors start together', async () => {
    const url = await databases.fresh()
    const pools = [1, 2, 3].map(() => new pg.Pool({ connectionString: url, max: 1 }))
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p)))
      expect(applied.flat().sort()).toEqual(migrations.map((m) => m.version))
      expect(applied.filter((a) => a.length > 0)).toHaveLength(1)
      expect(await Promise.all(pools.map((p) => migrate(p)))).toEqual([[], [], []])
    } finally {
      await Promise.all(pools.map((p) => p.end()))
    }
    // Whole stores, racing on another empty database, all end up working.
    const other = await databases.fresh()
    const stores = await Promise.all([1, 2, 3].map(() => store(other, 2)))
    await stores[0]!.createSite(site('s'))
    const outcomes = await Promise.all(
      stores.map((s, i) => s.insertEvents([makeEvent({ siteId: 's', messageId: `m${i}` })])),
    )
    expect(outcomes).toEqual([['inserted'], ['inserted'], ['inserted']])
    expect(await count(stores[2]!, 'schema_migrations')).toBe(migrations.length)
    expect(await stores[1]!.listEvents('s')).toHaveLength(3)
  })

  it('stores each month in its own partition, created on demand', async () => {
    const s = await store()
    await s.createSite(site('s'))
    expect(await partitionNames(s)).toEqual([])
    await s.insertEvents([
      makeEvent({ siteId: 's', messageId: 'jan', timestamp: day(1, 31) }),
      makeEvent({ siteId: 's', messageId: 'mar', timestamp: day(3, 1) }),
      makeEvent({ siteId: 's', messageId: 'feb', timestamp: Date.UTC(2026, 1, 1) }),
      // Before 2000 all in one: scattered old timestamps cannot make a table per month.
      makeEvent({ siteId: 's', messageId: 'old', timestamp: -1 }),
      makeEvent({ siteId: 's', messageId: 'older', timestamp: Date.UTC(1700, 5, 1) }),
      makeEvent({ siteId: 's', messageId: 'y2k', timestamp: Date.UTC(2000, 0, 1) }),
    ])
    expect(await partitionNames(s)).toEqual([
      'events_2000_01',
      'events_2026_01',
      'events_2026_02',
      'events_2026_03',
      'events_before_2000',
    ])
    const where = await s.pool.query<{ p: string; message_id: string }>(
      'SELECT tableoid::regclass::text AS p, message_id FROM events ORDER BY timestamp',
    )
    expect(where.rows.map((r) => `${r.p}:${r.message_id}`)).toEqual([
      'events_before_2000:older',
      'events_before_2000:old',
      'events_2000_01:y2k',
      'events_2026_01:jan',
      'events_2026_02:feb',
      'events_2026_03:mar',
    ])
  })

  it('drops a month whole when only the purged site has rows in it, else deletes rows', async () => {
    const s = await store()
    for (const id of ['a', 'b']) await s.createSite(site(id))
    await s.insertEvents([
      ...ids(3, 'jan').map((m) => makeEvent({ siteId: 'a', messageId: m, timestamp: day(1, 5) })),
      ...ids(2, 'feb').map((m) => makeEvent({ siteId: 'a', messageId: m, timestamp: day(2, 5) })),
      makeEvent({ siteId: 'b', messageId: 'b-feb', timestamp: day(2, 6) }),
      makeEvent({ siteId: 'a', messageId: 'mar-early', timestamp: day(3, 2) }),
      makeEvent({ siteId: 'a', messageId: 'mar-late', timestamp: day(3, 20) }),
      makeEvent({ siteId: 'a', messageId: 'epoch', timestamp: 0 }),
    ])
    expect(await s.purgeEvents('a', day(3, 15), true)).toBe(7)
    expect(await partitionNames(s)).toHaveLength(4)

    expect(await s.purgeEvents('a', day(3, 15), false)).toBe(7)
    // January held only site a: dropped. February still holds site b's row.
    expect(await partitionNames(s)).toEqual(['events_2026_02', 'events_2026_03'])
    expect((await s.listEvents('a')).map((e) => e.messageId)).toEqual(['mar-late'])
    expect((await s.listEvents('b')).map((e) => e.messageId)).toEqual(['b-feb'])
    expect(await count(s, 'event_ids WHERE site_id = $1', ['a'])).toBe(1)

    // Site b's purge empties February: now nobody needs it.
    expect(await s.purgeEvents('b', day(3, 1), false)).toBe(1)
    expect(await partitionNames(s)).toEqual(['events_2026_03'])
    expect(await count(s, 'event_ids')).toBe(1)
    // Gone with its row, as in SQLite: a purged event sent again is stored again,
    // and its month comes back.
    const again = makeEvent({ siteId: 'a', messageId: 'jan0', timestamp: day(1, 5) })
    expect(await s.insertEvents([again])).toEqual(['inserted'])
    expect(await partitionNames(s)).toEqual(['events_2026_01', 'events_2026_03'])
    expect(await count(s, `pg_class WHERE relname LIKE 'purging%'`)).toBe(0)
  })

  it('finishes a month a crashed purge detached, with inserts running alongside', async () => {
    const url = await databases.fresh()
    const [s, other] = [await store(url), await store(url)]
    await s.createSite(site('s'))
    const old = ids(300, 'old').map((m) =>
      makeEvent({ siteId: 's', messageId: m, timestamp: day(1, 5) }),
    )
    await s.insertEvents(old)
    await s.insertEvents([makeEvent({ siteId: 's', messageId: 'feb', timestamp: day(2, 5) })])
    // A purge that died after detaching January, before its event_ids went.
    await s.pool.query('ALTER TABLE events DETACH PARTITION events_2026_01')
    await s.pool.query('ALTER TABLE events_2026_01 RENAME TO purging_events_2026_01_dead')
    expect(await count(s, 'event_ids')).toBe(301)

    const fresh = ids(1_000, 'new').map((m) =>
      makeEvent({ siteId: 's', messageId: m, timestamp: day(3, 5) }),
    )
    const inserts = Promise.all(
      Array.from({ length: 10 }, (_, i) => other.insertEvents(fresh.slice(i * 100, i * 100 + 100))),
    )
    // February only counts: January's rows were the dead purge's.
    expect(await s.purgeEvents('s', day(3, 1), false)).toBe(1)
    expect((await inserts).flat().filter((o) => o === 'inserted')).toHaveLength(1_000)
    expect(await count(s, `pg_class WHERE relname LIKE 'purging%'`)).toBe(0)
    expect(await count(s, 'event_ids')).toBe(1_000)
    expect(await count(s, 'events')).toBe(1_000)
    expect(await partitionNames(s)).toEqual(['events_2026_03'])
  })

  it('recreates a month another collector dropped under its cache', async () => {
    const url = await databases.fresh()
    const [a, b] = [await store(url), await store(url)]
    await a.createSite(site('s'))
    await a.insertEvents([makeEvent({ siteId: 's', messageId: 'x', timestamp: day(1, 5) })])
    expect(await b.purgeEvents('s', day(2, 1), false)).toBe(1)
    expect(await partitionNames(a)).toEqual([])
    const late = makeEvent({ siteId: 's', messageId: 'y', timestamp: day(1, 6) })
    expect(await a.insertEvents([late])).toEqual(['inserted'])
    expect(await a.listEvents('s')).toEqual([late])
  })

  it('gives every caller the same salt when first calls race', async () => {
    const url = await databases.fresh()
    const stores = await Promise.all([1, 2, 3].map(() => store(url, 4)))
    const days = ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04']
    const salts = await Promise.all(
      days.flatMap((d) => stores.flatMap((s) => [s.saltForDay(d, 30), s.saltForDay(d, 30)])),
    )
    const hex = salts.map((salt) => Buffer.from(salt).toString('hex'))
    for (let i = 0; i < days.length; i++) {
      expect(new Set(hex.slice(i * 6, i * 6 + 6)).size).toBe(1)
    }
    expect(new Set(hex).size).toBe(days.length)
    expect(await count(stores[0]!, 'salts')).toBe(days.length)
  })

  it('returns the salt another collector commits while this one waits on it', async () => {
    const s = await store()
    const other = await s.pool.connect()
    try {
      await other.query('BEGIN')
      const theirs = Buffer.alloc(32, 7)
      await other.query('INSERT INTO salts (day, salt) VALUES ($1, $2)', ['2026-05-01', theirs])
      const mine = s.saltForDay('2026-05-01', 30)
      // The first call's INSERT waits for the open transaction's row...
      await expect
        .poll(
          async () =>
            (
              await s.pool.query<{ n: number }>(
                `SELECT count(*)::integer AS n FROM pg_stat_activity
                  WHERE wait_event_type = 'Lock' AND query LIKE '%INTO salts%'`,
              )
            ).rows[0]!.n,
          { timeout: 5_000 },
        )
        .toBe(1)
      // ...and once it commits, reads that salt, not nothing and not its own.
      await other.query('COMMIT')
      expect(Buffer.from(await mine).equals(theirs)).toBe(true)
    } finally {
      other.release()
    }
  })

  it('stores each id once when two collectors insert the same ids at once', async () => {
    const url = await databases.fresh()
    const [a, b] = [await store(url, 4), await store(url, 4)]
    await a.createSite(site('s'))
    const all = ids(2_000).map((m, i) =>
      makeEvent({ siteId: 's', messageId: m, timestamp: day(1 + (i % 3), 1) }),
    )
    // The same batches at the same time, each in opposite orders in the two collectors.
    const batches = Array.from({ length: 20 }, (_, i) => all.slice(i * 100, i * 100 + 100))
    const results = await Promise.all(
      batches.flatMap((batch) => [a.insertEvents(batch), b.insertEvents([...batch].reverse())]),
    )
    const outcomes = results.flat()
    expect(outcomes.filter((o) => o === 'inserted')).toHaveLength(2_000)
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(2_000)
    expect(await count(a, 'events')).toBe(2_000)
    expect(await count(a, 'event_ids')).toBe(2_000)
    expect(await b.insertEvents(all.slice(0, 5))).toEqual(Array(5).fill('duplicate'))

    // Ids go in in one order everywhere, so no deadlock had to be broken (and retried).
    // A backend's counters reach pg_stat_database when it exits: wait for both pools' to.
    await Promise.all([a.close(), b.close()])
    const check = new pg.Pool({ connectionString: url, max: 1 })
    try {
      const others = async () =>
        (
          await check.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          )
        ).rows[0]!.n
      await expect.poll(others, { timeout: 5_000 }).toBe('0')
      const stats = await check.query<{ deadlocks: string }>(
        'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()',
      )
      expect(stats.rows[0]!.deadlocks).toBe('0')
    } finally {
      await check.end()
    }
  })

  it('marks in agg_pending the quarter hours of inserted, erased and anonymised events, and all of a site whose time zone changed', async () => {
    const s = await store()
    await s.createSite(site('s'))
    const pending = async () =>
      (
        await s.pool.query<{ site_id: string; quarter: number }>(
          'SELECT site_id, quarter FROM agg_pending ORDER BY 1, 2',
        )
      ).rows.map((r) => `${r.site_id}:${r.quarter}`)
    const q = (t: number) => Math.floor(t / 900_000)
    const t1 = day(1, 5)
    const t2 = t1 + 900_000
    await s.insertEvents([
      makeEvent({ siteId: 's', messageId: '1', userId: 'u', timestamp: t1 }),
      makeEvent({ siteId: 's', messageId: '2', userId: 'u', timestamp: t1 + 899_999 }),
      makeEvent({ siteId: 's', messageId: '3', userId: 'v', timestamp: t2 }),
    ])
    expect(await pending()).toEqual([`s:${q(t1)}`, `s:${q(t2)}`])
    // A duplicate changes nothing, so marks nothing.
    await s.pool.query('DELETE FROM agg_pending')
    await s.insertEvents([makeEvent({ siteId: 's', messageId: '3', timestamp: t2 })])
    expect(await pending()).toEqual([])

    expect(await s.anonymizeSubject('s', { userIds: ['v'], anonymousIds: [] }, 'x')).toBe(1)
    expect(await pending()).toEqual([`s:${q(t2)}`])
    await s.pool.query('DELETE FROM agg_pending')
    expect(await s.deleteSubject('s', { userIds: ['u'], anonymousIds: [] })).toBe(2)
    expect(await pending()).toEqual([`s:${q(t1)}`])
    // Nothing of an erased subject stays, not even the ids of its messages.
    expect(await count(s, 'event_ids WHERE message_id IN ($1, $2)', ['1', '2'])).toBe(0)
    expect(await count(s, 'event_ids')).toBe(1)

    // A new time zone moves every local day: every quarter with events is marked.
    await s.insertEvents([makeEvent({ siteId: 's', messageId: '4', timestamp: t1 })])
    await s.pool.query('DELETE FROM agg_pending')
    await s.updateSite('s', { name: 'renamed' })
    expect(await pending()).toEqual([])
    await s.updateSite('s', { timezone: 'Asia/Kathmandu' })
    expect(await pending()).toEqual([`s:${q(t1)}`, `s:${q(t2)}`])
  })

  it('stores text PostgreSQL cannot hold (U+0000, lone surrogates) with U+FFFD instead', async () => {
    const s = await store()
    await s.createSite(site('s'))
    const odd = makeEvent({
      siteId: 's',
      messageId: 'm\u0000',
      name: 'a\u0000b',
      properties: { 'k\u0000': 'x\ud800y', literal: '\\u0000 stays' },
    })
    expect(await s.insertEvents([odd, makeEvent({ siteId: 's', messageId: 'fine' })])).toEqual([
      'inserted',
      'inserted',
    ])
    const stored = (await s.listEvents('s')).find((e) => e.messageId !== 'fine')
    expect(stored).toMatchObject({
      messageId: 'm\ufffd',
      name: 'a\ufffdb',
      properties: { 'k\ufffd': 'x\ufffdy', literal: '\\u0000 stays' },
    })
    expect(await s.insertEvents([odd])).toEqual(['duplicate'])
  })

  it('refuses to change or delete audit entries', async () => {
    const s = await store()
    await s.appendAudit({
      siteId: 's',
      at: 1,
      actor: 'k',
      action: 'delete',
      subjectKind: 'userId',
      subjectId: 'u',
      rows: 1,
    })
    await expect(s.pool.query('UPDATE audit SET rows = 0')).rejects.toThrow(/append-only/)
    await expect(s.pool.query('DELETE FROM audit')).rejects.toThrow(/append-only/)
    await expect(s.pool.query('TRUNCATE audit')).rejects.toThrow(/append-only/)
    expect(await s.listAudit('s', 10)).toHaveLength(1)
  })

  it('maps a taken domain to SiteExistsError', async () => {
    const s = await store()
    await s.createSite({ ...site('a'), domain: 'a.example' })
    await s.createSite(site('b'))
    await expect(s.createSite({ ...site('c'), domain: 'a.example' })).rejects.toMatchObject({
      code: 'site_exists',
      message: 'another site has the domain a.example',
    })
    await expect(s.updateSite('b', { domain: 'a.example' })).rejects.toMatchObject({
      code: 'site_exists',
    })
    expect((await s.getSite('b'))?.domain).toBeNull()
  })
})

describe('postgres adapter loading', () => {
  it('fails to start when the server cannot be reached', async () => {
    // Port 1 on 127.0.0.1: refused at once.
    await expect(createPostgresStore({ url: 'postgres://x@127.0.0.1:1/db' })).rejects.toMatchObject(
      {
        code: 'ECONNREFUSED',
      },
    )
  })

  it('is never imported statically by the SQLite path (pg loads only for a postgres URL)', async () => {
    const entries = ['../../index.ts', '../../node/index.ts', '../../cli.ts'].map((p) =>
      fileURLToPath(new URL(p, import.meta.url)),
    )
    const result = await build({
      entryPoints: entries,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outdir: 'unused',
      logLevel: 'silent',
    })
    const inputs = result.metafile.inputs
    const reached = new Set<string>()
    const visit = (path: string) => {
      if (reached.has(path)) return
      reached.add(path)
      for (const i of inputs[path]?.imports ?? []) {
        if (i.kind === 'import-statement' || i.kind === 'require-call') visit(i.path)
      }
    }
    for (const path of Object.keys(inputs)) {
      if (/src\/(index|cli|node\/index)\.ts$/.test(path)) visit(path)
    }
    expect(reached.size).toBeGreaterThan(10)
    expect([...reached].filter((p) => p === 'pg' || p.includes('store/postgres/'))).toEqual([])
  })
})
