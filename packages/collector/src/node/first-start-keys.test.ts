import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { keysFileOf, writeFirstStartKeys } from './first-start-keys'

const dir = mkdtempSync(join(tmpdir(), 'pipit-keys-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('writeFirstStartKeys', () => {
  it('writes the keys next to the database, owner-only, replacing a stale file', () => {
    const db = join(dir, 'pipit.db')
    writeFileSync(keysFileOf(db), 'stale', { mode: 0o644 })
    const file = writeFirstStartKeys(keysFileOf(db), {
      siteId: 'demo',
      writeKey: 'pk_w',
      readKey: 'sk_read_r',
      adminKey: 'sk_admin_a',
    })
    expect(file).toBe(`${db}.first-start-keys`)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const text = readFileSync(file, 'utf8')
    expect(text).not.toContain('stale')
    expect(text).toMatch(/^read_key=sk_read_r$/m)
    expect(text).toMatch(/^admin_key=sk_admin_a$/m)
  })
})
