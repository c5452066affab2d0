import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '../config'
import { parseStoreLocation } from './location'

describe('store location (PIPIT_DB)', () => {
  it('takes file paths as SQLite, Windows drives included', () => {
    for (const path of ['./data/pipit.db', '/var/lib/pipit.db', 'pipit.db', 'C:\\data\\pipit.db']) {
      expect(parseStoreLocation(path)).toEqual({ kind: 'sqlite', path })
    }
  })

  it('takes postgres:// and postgresql:// URLs, with the password redacted for logs', () => {
    expect(parseStoreLocation('postgres://pipit:s3cret@127.0.0.1:5432/pipit')).toEqual({
      kind: 'postgres',
      url: 'postgres://pipit:s3cret@127.0.0.1:5432/pipit',
      redacted: 'postgres://pipit:***@127.0.0.1:5432/pipit',
    })
    expect(parseStoreLocation('postgresql://db.internal/analytics')).toMatchObject({
      kind: 'postgres',
    })
  })

  it('refuses every other scheme and incomplete PostgreSQL URLs instead of making a file', () => {
    for (const url of ['mysql://u@h/db', 'file:pipit.db', 'clickhouse://h:8123', 'http://h']) {
      expect(parseStoreLocation(url)).toMatch(/^unsupported scheme/)
    }
    expect(parseStoreLocation('postgres://127.0.0.1:5432')).toBe(
      'the PostgreSQL URL names no database',
    )
  })

  it('fails the config at start, naming PIPIT_DB', () => {
    expect(() => parseConfig({ PIPIT_DB: 'mysql://u@h/db' })).toThrow(ConfigError)
    expect(() => parseConfig({ PIPIT_DB: 'mysql://u@h/db' })).toThrow(
      /PIPIT_DB: unsupported scheme "mysql:"/,
    )
    expect(parseConfig({}).db).toEqual({ kind: 'sqlite', path: './data/pipit.db' })
    expect(parseConfig({}, { db: 'postgres://h/db' }).db).toMatchObject({ kind: 'postgres' })
  })
})
