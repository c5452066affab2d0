import type { Entry, Queue, QueueLimits } from '../../core/queue'
import type { AsyncStorageLike } from './types'

/** One key per queued event: `pipit:v1:event:<messageId>`. */
export const EVENT_PREFIX = 'pipit:v1:event:'

/** What is stored per event: the entry without its owner, and its place in the queue. */
interface Stored {
  m: Entry['m']
  b: number
  t: number
  /** Order among events queued in the same millisecond. */
  n: number
}

const keyOf = (e: Entry) => EVENT_PREFIX + e.m.messageId
const idOf = (e: Entry) => e.m.messageId

/**
 * The durable queue for React Native: one AsyncStorage key per event, so an
 * append writes only its new events (one `multiSet` per append, and the
 * sender makes one append per tick: a burst of 100 `track()` calls is one
 * call), a delivered batch is one `multiRemove`, and nothing ever rewrites the
 * whole queue. No index key: the queue is read once, with `getAllKeys` and
 * one `multiGet`, when it is first used after a start.
 *
 * One JavaScript context owns the storage (no tabs), so claims live in
 * memory only: after a cold start every stored event is free and goes at once.
 * Operations run one at a time, so a claim only sees events whose write has
 * finished: nothing is sent before it is on storage.
 *
 * @example
 * const queue = createEventQueue(AsyncStorage, { maxEvents: 1000, maxBytes: 1_000_000 })
 */
export function createEventQueue(storage: AsyncStorageLike, limits: QueueLimits): Queue {
  /** The stored events, oldest first. */
  let rows: Entry[] = []
  const claimed = new Set<string>()
  let order = 0
  let loaded: Promise<void> | undefined
  let tail: Promise<unknown> = Promise.resolve()

  async function load(): Promise<void> {
    const keys = (await storage.getAllKeys()).filter((k) => k.startsWith(EVENT_PREFIX))
    if (keys.length === 0) return
    const found: Stored[] = []
    for (const [, raw] of await storage.multiGet(keys)) {
      try {
        const s = JSON.parse(raw ?? '') as Stored
        if (typeof s?.m?.messageId === 'string') found.push(s)
      } catch {
        // An unreadable value cannot be sent; it is removed with the next clear.
      }
    }
    found.sort((a, b) => a.t - b.t || a.n - b.n)
    order = found.reduce((n, s) => Math.max(n, s.n + 1), 0)
    rows = found.map((s) => ({ m: s.m, b: s.b, t: s.t, o: '' }))
  }

  /** Runs `fn` after every earlier operation, on the loaded queue. */
  function serial<T>(fn: () => Promise<T> | T): Promise<T> {
    // Unreadable storage leaves an empty queue that still works in memory.
    const run = tail.then(() => (loaded ??= load().catch(() => {}))).then(fn)
    tail = run.catch(() => {})
    return run
  }

  return {
    append: (entries) =>
      serial(async () => {
        const pairs = entries.map((e) => {
          const s: Stored = { m: e.m, b: e.b, t: e.t, n: order++ }
          return [keyOf(e), JSON.stringify(s)] as const
        })
        try {
          await storage.multiSet(pairs)
        } finally {
          // When storage fails, the events still go from memory while the app runs.
          rows.push(...entries)
        }
        let bytes = rows.reduce((n, e) => n + e.b, 0)
        let cut = 0
        while (
          rows.length - cut > limits.maxEvents ||
          (bytes > limits.maxBytes && cut < rows.length)
        )
          bytes -= rows[cut++]!.b
        const evicted = rows.splice(0, cut)
        if (evicted.length > 0) {
          evicted.forEach((e) => claimed.delete(idOf(e)))
          await storage.multiRemove(evicted.map(keyOf))
        }
        return evicted
      }),

    claim: (_owner, _now, maxCount, maxBytes, skip) =>
      serial(() => {
        const taken: Entry[] = []
        let bytes = 0
        for (const e of rows) {
          const id = idOf(e)
          if (claimed.has(id) || skip?.has(id)) continue
          // Oldest first: stop at the first event that does not fit.
          if (taken.length >= maxCount || (taken.length > 0 && bytes + e.b > maxBytes)) break
          claimed.add(id)
          bytes += e.b
          taken.push(e)
        }
        return { claimed: taken, present: new Set(rows.map(idOf)), wake: Infinity }
      }),

    remove: (ids) =>
      serial(async () => {
        const gone = rows.filter((e) => ids.has(idOf(e)))
        rows = rows.filter((e) => !ids.has(idOf(e)))
        ids.forEach((id) => claimed.delete(id))
        if (gone.length > 0) await storage.multiRemove(gone.map(keyOf))
      }),

    release: (ids) => serial(() => ids.forEach((id) => claimed.delete(id))),

    clear: () =>
      serial(async () => {
        rows = []
        claimed.clear()
        // Every event key, also unreadable ones: consent denied leaves none behind.
        const keys = (await storage.getAllKeys()).filter((k) => k.startsWith(EVENT_PREFIX))
        if (keys.length > 0) await storage.multiRemove(keys)
      }),
  }
}
