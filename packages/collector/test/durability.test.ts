import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { tmpDb } from './helpers'
import { type CollectorProcess, startCollectorProcess } from './process'

const ADMIN = 'durability-admin-key-0123456789'
let collector: CollectorProcess | undefined
afterEach(async () => {
  await collector?.stop('SIGKILL')
})

describe('durability', () => {
  it.each(['normal', 'full'])(
    'loses no acknowledged event when the process is killed -9 under load (synchronous=%s)',
    async (synchronous) => {
      const db = tmpDb()
      collector = await startCollectorProcess({
        db,
        env: {
          PIPIT_ADMIN_KEY: ADMIN,
          PIPIT_SQLITE_SYNCHRONOUS: synchronous,
          PIPIT_RATE_LIMIT_CLIENT: '0',
        },
      })
      const { url } = collector
      const created = await fetch(`${url}/v1/admin/sites`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify({ id: 'd' }),
      })
      const { writeKey } = (await created.json()) as { writeKey: string }

      const acked: string[] = []
      let sent = 0
      let stop = false
      async function sender(worker: number) {
        for (let n = 0; !stop; n++) {
          const ids = Array.from({ length: 20 }, (_, i) => `w${worker}-${n}-${i}`)
          const batch = ids.map((messageId) => ({
            type: 'track',
            event: 'Load',
            messageId,
            anonymousId: `a${worker}`,
          }))
          sent += ids.length
          try {
            const res = await fetch(`${url}/v1/batch`, {
              method: 'POST',
              body: JSON.stringify({ batch, writeKey }),
            })
            if (res.status === 200) acked.push(...ids)
          } catch {
            return // the process is gone: this batch was never acknowledged
          }
        }
      }
      const senders = Array.from({ length: 8 }, (_, w) => sender(w))
      while (acked.length < 3_000) await new Promise((r) => setTimeout(r, 20))
      collector.child.kill('SIGKILL')
      await collector.stop('SIGKILL')
      stop = true
      await Promise.all(senders)

      const file = new Database(db) // opening recovers the WAL, as a restart would
      const stored = new Set(
        file.prepare('SELECT message_id FROM events').pluck().all() as string[],
      )
      file.close()
      const lost = acked.filter((id) => !stored.has(id))
      expect(acked.length).toBeGreaterThanOrEqual(3_000)
      expect(sent).toBeGreaterThan(acked.length) // requests were in flight at the kill
      expect(lost).toEqual([])
    },
    60_000,
  )
})
