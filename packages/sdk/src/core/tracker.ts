import type { BatchPayload, Message } from '@pipit/protocol'
import { uuidv4, uuidv7 } from './ids'
import type { Platform } from './platform'

export type Properties = Record<string, unknown>

export interface TrackerOptions {
  /** The site's public write key. */
  writeKey: string
  /** The collector's origin, e.g. `https://stats.example.com`. */
  host: string
  /** Send when this many events are waiting (default 20). */
  maxBatchSize?: number
  /** Send at most this long after an event was tracked, ms (default 5000). */
  flushInterval?: number
}

export interface Tracker {
  /** Records a custom event. */
  track(event: string, properties?: Properties): void
  /** Records a page view; name and properties are optional. */
  page(name?: string, properties?: Properties): void
  /** Sends everything waiting; resolves when the collector has answered. */
  flush(): Promise<void>
  /** Stops timers and listeners; events still waiting stay unsent. */
  shutdown(): void
}

const LIBRARY = { name: '@pipit/sdk', version: '0.1.0' }

/**
 * The tracker on any platform: stamps events, queues them and sends them in
 * Segment batches to `${host}/v1/batch`.
 */
export function createCore(options: TrackerOptions, platform: Platform): Tracker {
  const endpoint = `${options.host.replace(/\/+$/, '')}/v1/batch`
  const maxBatch = options.maxBatchSize ?? 20
  const interval = options.flushInterval ?? 5_000
  const { clock } = platform
  const anonymousId = uuidv4(platform.randomBytes(16))
  let queue: Message[] = []
  let timer: unknown
  let inflight: Promise<void> | undefined
  let stopped = false

  type Partial =
    | { type: 'track'; event: string; properties: Properties }
    | { type: 'page'; name?: string; properties: Properties }

  function enqueue(partial: Partial): void {
    if (stopped) return
    const now = clock.now()
    const host = platform.context()
    queue.push({
      ...partial,
      messageId: uuidv7(now, platform.randomBytes(16)),
      anonymousId,
      timestamp: new Date(now).toISOString(),
      context: { library: LIBRARY, ...host },
    })
    if (queue.length >= maxBatch) void flush()
    else if (timer === undefined) timer = clock.setTimeout(() => void flush(), interval)
  }

  async function sendOnce(unloading: boolean): Promise<void> {
    if (timer !== undefined) clock.clearTimeout(timer)
    timer = undefined
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch)
      const payload: BatchPayload<Message> = {
        batch,
        sentAt: new Date(clock.now()).toISOString(),
        writeKey: options.writeKey,
      }
      let ok = false
      try {
        const res = await platform.transport.send({
          url: endpoint,
          body: JSON.stringify(payload),
          unloading,
        })
        // 4xx other than 408/429 will never succeed: drop rather than block the queue.
        ok = res.status < 500 && res.status !== 408 && res.status !== 429
      } catch {
        ok = false
      }
      if (!ok) return
      const sent = new Set(batch)
      queue = queue.filter((m) => !sent.has(m))
    }
  }

  function flush(unloading = false): Promise<void> {
    const run = (inflight ?? Promise.resolve()).then(() => sendOnce(unloading))
    inflight = run.finally(() => {
      if (inflight === tracked) inflight = undefined
    })
    const tracked = inflight
    return run
  }

  const unsubscribe = platform.lifecycle.onHide(() => void flush(true))

  return {
    track: (event, properties) => enqueue({ type: 'track', event, properties: properties ?? {} }),
    page(name, properties) {
      const page = platform.context().page
      enqueue({
        type: 'page',
        ...(name ? { name } : {}),
        properties: { ...page, ...properties },
      })
    },
    flush: () => flush(),
    shutdown() {
      stopped = true
      if (timer !== undefined) clock.clearTimeout(timer)
      unsubscribe()
    },
  }
}
