// The body of an aggregation thread: its own connection to the database
// file and its own aggregator, driven by messages from
// `startAggregationThreads` (see aggregate-thread.ts).
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { createAggregator } from './aggregate'

type Op = 'scan' | 'markAll' | 'dirty' | 'recompute'

const db = new Database((workerData as { path: string }).path)
db.pragma('journal_mode = WAL')
db.pragma('synchronous = NORMAL')
// Another thread may hold the write lock while it writes a big day.
db.pragma('busy_timeout = 60000')
// The store's checkpointer thread checkpoints; this connection never does.
db.pragma('wal_autocheckpoint = 0')
// Reads go through a memory map of the whole file (SQLite caps it at its
// compile-time maximum) and a larger page cache: the aggregation reads
// whole days of events, and recomputing a day of a 10 M-event file measured
// ~25% faster so.
db.pragma('mmap_size = 68719476736')
db.pragma('cache_size = -65536')
// One lock word shared by every aggregation thread (see AggregatorOptions.exclusive).
const lock = new Int32Array((workerData as { lock: SharedArrayBuffer }).lock)
const aggregator = createAggregator(db, {
  exclusive(write) {
    while (Atomics.compareExchange(lock, 0, 0, 1) !== 0) Atomics.wait(lock, 0, 1)
    try {
      return write()
    } finally {
      Atomics.store(lock, 0, 0)
      Atomics.notify(lock, 0, 1)
    }
  },
})

function run(op: Op, args: unknown[]): unknown {
  switch (op) {
    case 'scan':
      return aggregator.scan()
    case 'markAll':
      return aggregator.markAll(args[0] as string | undefined)
    case 'dirty':
      return aggregator.dirty()
    case 'recompute':
      return aggregator.recompute(args[0] as string, args[1] as string)
  }
}

parentPort!.on('message', (m: { id: number; op: Op | 'close'; args: unknown[] }) => {
  if (m.op === 'close') {
    db.close()
    parentPort!.postMessage({ id: m.id, result: null })
    return
  }
  try {
    parentPort!.postMessage({ id: m.id, result: run(m.op, m.args) })
  } catch (error) {
    parentPort!.postMessage({
      id: m.id,
      error: error instanceof Error ? error.message : String(error),
    })
  }
})
