import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { InsertOutcome } from '../types'
import { EVENT_COLUMNS } from './rows'

/**
 * The writer's code, run with `eval` so the same code works from `src/` and
 * `dist/`. One connection, one prepared insert, one transaction per message:
 * the rows of a whole group commit.
 */
const code = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path)
db.pragma('journal_mode = WAL')
db.pragma('synchronous = ' + workerData.synchronous)
db.pragma('busy_timeout = 5000')
db.pragma('wal_autocheckpoint = 0')
const insert = db.prepare(workerData.sql)
const insertAll = db.transaction((rows) => {
  const changes = new Uint8Array(rows.length)
  for (let i = 0; i < rows.length; i++) changes[i] = insert.run(rows[i]).changes
  return changes
})
parentPort.on('message', (m) => {
  if (m.close) {
    db.close()
    parentPort.postMessage({ closed: true })
    return
  }
  try {
    parentPort.postMessage({ id: m.id, changes: insertAll(m.rows) })
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: String(error && error.message || error) })
  }
})
`

export interface WriterThread {
  insert(rows: unknown[][]): Promise<InsertOutcome[]>
  /** False once the thread has failed or stopped. */
  alive(): boolean
  close(): Promise<void>
}

/**
 * Event inserts on their own thread and connection. better-sqlite3 is
 * synchronous, so on the main thread every insert and commit stops HTTP
 * parsing and validation; `npm run bench` measured them at ~20% of the main
 * thread at 30k events/s. Rows arrive as flat arrays of strings and numbers
 * (JSON already serialised), which cross threads cheaply. A promise resolves
 * only after its transaction has committed.
 *
 * @example
 * const writer = startWriterThread('./data/pipit.db', 'normal')
 * const outcomes = await writer.insert(events.map(eventParams))
 */
export function startWriterThread(path: string, synchronous: 'full' | 'normal'): WriterThread {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const sql = `INSERT OR IGNORE INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})`
  const worker = new Worker(code, {
    eval: true,
    workerData: { path, driver, sql, synchronous: synchronous === 'full' ? 'FULL' : 'NORMAL' },
  })
  const pending = new Map<
    number,
    { resolve: (o: InsertOutcome[]) => void; reject: (e: Error) => void }
  >()
  let next = 0
  let failure: Error | undefined
  let closing: Promise<void> | undefined

  const failAll = (error: Error) => {
    failure = error
    for (const p of pending.values()) p.reject(error)
    pending.clear()
  }
  worker.on(
    'message',
    (m: { id?: number; changes?: Uint8Array; error?: string; closed?: boolean }) => {
      if (m.id === undefined) return
      const p = pending.get(m.id)
      if (!p) return
      pending.delete(m.id)
      if (pending.size === 0) worker.unref()
      if (m.error !== undefined) p.reject(new Error(`insert failed: ${m.error}`))
      else p.resolve(Array.from(m.changes!, (c) => (c === 1 ? 'inserted' : 'duplicate')))
    },
  )
  worker.on('error', (e) => failAll(e))
  worker.on('exit', () => failAll(new Error('the writer thread stopped')))
  worker.unref()

  return {
    alive: () => failure === undefined,
    insert(rows) {
      if (failure) return Promise.reject(failure)
      return new Promise((resolve, reject) => {
        const id = next++
        pending.set(id, { resolve, reject })
        worker.ref() // keep the process alive while a commit is owed
        worker.postMessage({ id, rows })
      })
    },
    close() {
      closing ??= new Promise<void>((done) => {
        if (failure) return done()
        worker.on('message', (m: { closed?: boolean }) => {
          if (m.closed) void worker.terminate().then(() => done())
        })
        worker.ref() // an unref'd worker would let the process exit before it answers
        worker.postMessage({ close: true })
      })
      return closing
    },
  }
}
