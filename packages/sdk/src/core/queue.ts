import type { Message } from '@pipit/protocol'
import type { KeyValueStore } from './platform'

/** One queued event. Short keys: the whole queue is rewritten on every change. */
export interface Entry {
  /** The message as it will be sent. */
  m: Message
  /** Its JSON size in bytes (UTF-16 length, close enough for limits). */
  b: number
  /** When it was queued, ms. */
  t: number
  /** The tracker instance (tab) that queued it. */
  o: string
  /** Claimed for sending by some tab until this time, ms; absent or past = free. */
  c?: number
}

export const QUEUE_KEY = 'pipit:v1:queue'
/**
 * How long a claim holds. Longer than the transport's 30 s timeout, so a slow
 * but live send is never taken over; a tab closed mid-send frees its events
 * after this.
 */
export const LEASE_MS = 60_000
/**
 * Another tab's events are adopted only once this old: live tabs send their
 * own well within it (5 s batches), so two live tabs never race for an event,
 * while the events of a closed or stuck tab still go out.
 */
export const ORPHAN_MS = 30_000

/** How much the queue keeps; the oldest events are evicted beyond either. */
export interface QueueLimits {
  maxEvents: number
  maxBytes: number
}

export interface Queue {
  /** Appends entries, evicting the oldest beyond the limits; resolves with what was evicted. */
  append(entries: Entry[]): Promise<Entry[]>
  /**
   * Atomically claims the oldest free events this owner may send (its own, or
   * orphans), up to `maxCount` and `maxBytes` (at least one if any is free),
   * for `LEASE_MS`, passing over `skip` (this tab's page-hide send). Also
   * returns the ids still in the queue, and `wake`: the earliest time an event
   * it could not take becomes free for it (a lease ends, another tab's event
   * turns orphan), or Infinity.
   */
  claim(
    owner: string,
    now: number,
    maxCount: number,
    maxBytes: number,
    skip?: Set<string>,
  ): Promise<{ claimed: Entry[]; present: Set<string>; wake: number }>
  /** Removes events (sent, or dropped for good). */
  remove(ids: Set<string>): Promise<void>
  /** Frees claimed events for a later attempt. */
  release(ids: Set<string>): Promise<void>
  /** Empties the queue (consent denied). */
  clear(): Promise<void>
}

/**
 * The durable, bounded event queue shared by every tab, stored under one key
 * and changed only through atomic updates, so two tabs never lose each other's
 * appends nor claim the same event.
 *
 * @example
 * const queue = createQueue(store, { maxEvents: 1000, maxBytes: 1_000_000 })
 * await queue.append([entry])
 */
export function createQueue(store: KeyValueStore, limits: QueueLimits): Queue {
  const edit = (fn: (q: Entry[]) => Entry[]) =>
    // An empty queue leaves no key behind (after a consent denial, nothing at all).
    store.update<Entry[]>(QUEUE_KEY, (q) => {
      const next = fn(Array.isArray(q) ? q : [])
      return next.length ? next : undefined
    })

  return {
    async append(entries) {
      let evicted: Entry[] = []
      await edit((q) => {
        const next = q.concat(entries)
        let bytes = next.reduce((n, e) => n + e.b, 0)
        let cut = 0
        while (
          next.length - cut > limits.maxEvents ||
          (bytes > limits.maxBytes && cut < next.length)
        ) {
          bytes -= next[cut++]!.b
        }
        evicted = next.slice(0, cut)
        return next.slice(cut)
      })
      return evicted
    },

    async claim(owner, now, maxCount, maxBytes, skip) {
      const claimed: Entry[] = []
      const present = new Set<string>()
      let bytes = 0
      let full = false
      let wake = Infinity
      await edit((q) =>
        q.map((e) => {
          present.add(e.m.messageId)
          const skipped = skip?.has(e.m.messageId)
          const free = (!e.c || e.c <= now) && !skipped
          const mine = e.o === owner || now - e.t >= ORPHAN_MS
          if (!skipped && (!free || !mine))
            wake = Math.min(wake, Math.max(e.c ?? 0, e.t + ORPHAN_MS))
          if (full || !free || !mine) return e
          // Oldest first: stop at the first event that does not fit, never skip ahead of it.
          full = claimed.length >= maxCount || (claimed.length > 0 && bytes + e.b > maxBytes)
          if (full) return e
          bytes += e.b
          const taken = { ...e, c: now + LEASE_MS }
          claimed.push(taken)
          return taken
        }),
      )
      return { claimed, present, wake }
    },

    remove: (ids) => edit((q) => q.filter((e) => !ids.has(e.m.messageId))),

    release: (ids) => edit((q) => q.map((e) => (ids.has(e.m.messageId) ? { ...e, c: 0 } : e))),

    clear: () => store.del(QUEUE_KEY),
  }
}
