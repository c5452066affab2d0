import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { describeStoreConformance, makeEvent } from '../conformance'
import { describeStatsStoreConformance } from '../stats-conformance'
import { createSqliteStore, migrate } from './index'
import { migrations } from './migrations'
import { DEFAULT_SETTINGS } from '../types'

const dir = mkdtempSync(join(tmpdir(), 'pipit-sqlite-'))
let n = 0
const tmpFile = () => join(dir, `store-${++n}.db`)
const site = (id: string) => ({
  id,
  name: id,
  timezone: 'UTC',
  domain: null,
  settings: DEFAULT_SETTINGS,
  createdAt: 0,
})
afterAll(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }))

// Files write through the writer thread by default; `inline` is the single-connection path.
describeStoreConformance('sqlite', () => createSqliteStore({ path: tmpFile() }))
describeStoreConformance('sqlite, inline writes', () =>
  createSqliteStore({ path: tmpFile(), threads: 'inline' }),
)
describeStatsStoreConformance('sqlite', () => createSqliteStore({ path: tmpFile() }))
describeStatsStoreConformance('sqlite, inline', () =>
  createSqliteStore({ path: tmpFile(), threads: 'inline' }),
)

describe('sqlite store', () => {
  it('keeps events across a reopen of the same file', async () => {
    const path = tmpFile()
    const first = createSqliteStore({ path })
    await first.createSite(site('s'))
    const e = makeEvent({ siteId: 's', messageId: 'm1', type: 'page', path: '/', country: 'FR' })
    await first.insertEvents([e])
    await first.close()
    const second = createSqliteStore({ path })
    expect(await second.listEvents('s')).toEqual([e])
    expect(await second.insertEvents([e])).toEqual(['duplicate'])
    await second.close()
  })

  it('creates the folder of a new database file and runs in WAL mode', async () => {
    const path = join(dir, 'nested', 'deeper', 'pipit.db')
    const store = createSqliteStore({ path })
    await store.close()
    const db = new Database(path, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length)
    db.close()
  })

  it('checkpoints the WAL into the database file in the background', async () => {
    const path = tmpFile()
    const store = createSqliteStore({ path })
    await store.createSite(site('s'))
    const before = statSync(path).size
    // ~200 rows are far below SQLite's own 1,000-page trigger: only the worker copies them.
    await store.insertEvents(
      Array.from({ length: 200 }, (_, i) => makeEvent({ siteId: 's', messageId: `m${i}` })),
    )
    await expect.poll(() => statSync(path).size, { timeout: 5_000 }).toBeGreaterThan(before)
    await store.close()
  })

  it('refuses to change or delete audit entries', async () => {
    const path = tmpFile()
    const store = createSqliteStore({ path })
    await store.createSite(site('s'))
    await store.appendAudit({
      siteId: 's',
      at: 1,
      actor: 'k',
      action: 'delete',
      subjectKind: 'userId',
      subjectId: 'u',
      rows: 1,
    })
    await store.close()
    const db = new Database(path)
    expect(() => db.prepare('UPDATE audit SET rows = 0').run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/)
    db.close()
  })

  it('migrates idempotently', () => {
    const db = new Database(':memory:')
    expect(migrate(db)).toBe(migrations.length)
    expect(migrate(db)).toBe(migrations.length)
    db.close()
  })
})
