import type { EventStore, InsertOutcome, StoredEvent } from '../store/types'

export interface BatchWriter {
  /** Resolves with one outcome per event once they are committed. */
  write(events: readonly StoredEvent[]): Promise<InsertOutcome[]>
}

/**
 * Group commit: requests whose events arrive in the same turn of the event
 * loop are written in one transaction, so a burst of N concurrent requests
 * costs one commit (one fsync with `synchronous=FULL`) instead of N. Each
 * request is still answered only after the transaction holding its events
 * has committed. A group is capped at `maxEvents` so one commit never holds
 * the (synchronous) SQLite writer for long.
 *
 * @example
 * const writer = createBatchWriter(store, { onCommit: (n) => metrics.commitSize.observe(n) })
 * const outcomes = await writer.write(events)
 */
export function createBatchWriter(
  store: EventStore,
  options: { maxEvents?: number; onCommit?: (events: number, requests: number) => void } = {},
): BatchWriter {
  const maxEvents = options.maxEvents ?? 5_000
  interface Pending {
    events: readonly StoredEvent[]
    resolve: (o: InsertOutcome[]) => void
    reject: (e: unknown) => void
  }
  let queue: Pending[] = []
  let scheduled = false

  async function commit(): Promise<void> {
    scheduled = false
    let count = 0
    let take = 0
    while (take < queue.length && (take === 0 || count + queue[take]!.events.length <= maxEvents)) {
      count += queue[take]!.events.length
      take++
    }
    const group = queue.slice(0, take)
    queue = queue.slice(take)
    if (queue.length > 0) schedule()
    const events = group.length === 1 ? group[0]!.events : group.flatMap((p) => p.events)
    try {
      const outcomes = await store.insertEvents(events)
      options.onCommit?.(events.length, group.length)
      let offset = 0
      for (const p of group) {
        p.resolve(outcomes.slice(offset, offset + p.events.length))
        offset += p.events.length
      }
    } catch (error) {
      for (const p of group) p.reject(error)
    }
  }

  function schedule(): void {
    if (scheduled) return
    scheduled = true
    setImmediate(() => void commit())
  }

  return {
    write(events) {
      if (events.length === 0) return Promise.resolve([])
      return new Promise((resolve, reject) => {
        queue.push({ events, resolve, reject })
        schedule()
      })
    },
  }
}
