import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/**
 * The worker's code, run with `eval` so it needs no file of its own (the same
 * code then works from `src/` under tsx and vitest and from `dist/`). It
 * opens its own connection and runs PASSIVE checkpoints, which copy the WAL
 * into the database without ever blocking the writer.
 */
const code = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path)
db.pragma('busy_timeout = 1000')
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)') } catch {}
}, workerData.intervalMs)
parentPort.on('message', (m) => {
  if (m !== 'close') return
  clearInterval(timer)
  db.close()
  parentPort.postMessage('closed')
})
`

export interface Checkpointer {
  close(): Promise<void>
}

/**
 * WAL checkpoints off the ingest path. SQLite's automatic checkpoint runs
 * inside whichever commit crosses 1,000 WAL pages, stalling that commit (and
 * with better-sqlite3, the whole event loop) while pages are copied: 12% of
 * ingest throughput in `npm run bench`. With this worker the writer's
 * connection sets `wal_autocheckpoint = 0` and the worker checkpoints every
 * `intervalMs` on the other core.
 *
 * @example
 * const checkpointer = startCheckpointer('./data/pipit.db', () => db.pragma('wal_autocheckpoint = 1000'))
 * await checkpointer.close()
 */
export function startCheckpointer(
  path: string,
  /** Called if the worker fails: the caller then turns SQLite's own checkpoints back on. */
  onFailure: () => void,
  intervalMs = 250,
): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(code, { eval: true, workerData: { path, driver, intervalMs } })
  worker.unref()
  let exited = false
  worker.once('exit', () => (exited = true))
  worker.once('error', () => {
    exited = true
    onFailure()
  })
  return {
    close() {
      if (exited) return Promise.resolve()
      return new Promise((done) => {
        const finish = () => void worker.terminate().then(() => done())
        worker.once('message', finish)
        worker.once('error', finish)
        worker.ref() // an unref'd worker would let the process exit before it answers
        worker.postMessage('close')
      })
    },
  }
}
