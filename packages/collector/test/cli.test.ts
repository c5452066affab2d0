import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tmpDb } from './helpers'
import { type CollectorProcess, startCollectorProcess } from './process'

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const repo = fileURLToPath(new URL('../../../', import.meta.url))
const run = promisify(execFile)
const pipit = (...args: string[]) =>
  run(process.execPath, ['--conditions=source', '--import', 'tsx', cli, ...args], { cwd: repo })

describe('pipit CLI', () => {
  let collector: CollectorProcess
  let db: string
  beforeAll(async () => {
    db = tmpDb()
    collector = await startCollectorProcess({ db }) // first start: creates the demo site
  })
  afterAll(() => collector.stop())

  const stats = (key: string) =>
    fetch(`${collector.url}/v1/stats/overview?site=demo&from=2026-01-01&to=2026-01-01`, {
      headers: { authorization: `Bearer ${key}` },
    }).then((r) => r.status)

  it('creates, lists, rotates and revokes keys that the running server honours', async () => {
    const created = await pipit('keys', 'create', '--db', db, '--site', 'demo', '--scope', 'read')
    const [, id, key] = created.stdout.match(
      /created read key (\S+) for demo \(shown once\): (sk_read_\S+)/,
    )!
    expect(await stats(key!)).toBe(200)

    const list = (await pipit('keys', 'list', '--db', db, '--site', 'demo')).stdout
    expect(list).toContain(id)
    expect(list).not.toContain(key)
    expect(list).toMatch(/write\s+pk_\S+\s+active/) // write keys are public and shown

    const rotated = await pipit('keys', 'rotate', id!, '--db', db)
    const fresh = rotated.stdout.match(/(sk_read_\S+)/)![1]!
    expect(await stats(fresh)).toBe(200)
    const newId = rotated.stdout.match(/new read key (\S+)/)![1]!
    expect((await pipit('keys', 'revoke', newId, '--db', db)).stdout).toContain(`revoked ${newId}`)
    // The server caches key lookups for up to 10 s; these keys were looked up once already.
    await expect.poll(() => stats(fresh), { timeout: 15_000, interval: 1_000 }).toBe(401)
    expect(await stats(key!)).toBe(401)
  }, 40_000)

  it('refuses a database URL it does not understand, before creating anything', async () => {
    await expect(pipit('serve', '--db', 'mysql://user@127.0.0.1/pipit')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('PIPIT_DB: unsupported scheme "mysql:"') as unknown,
    })
  })

  it('explains itself and names bad arguments', async () => {
    expect((await pipit('--help')).stdout).toMatch(/pipit keys rotate KEY_ID/)
    await expect(
      pipit('keys', 'create', '--db', db, '--site', 'demo', '--scope', 'root'),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--scope: write, read or admin') as unknown,
    })
    await expect(pipit('keys', 'revoke', 'nope', '--db', db)).rejects.toMatchObject({
      stderr: expect.stringContaining('no key nope') as unknown,
    })
  }, 30_000)
})
