import type { Message } from '@pipit/protocol'
import type { Platform, TransportResponse } from './platform'
import type { Entry, Queue } from './queue'
import { backoff, classify, rejectedIndexes, retryAfterMs } from './retry'

/** Why an event was not delivered. */
export type DropReason = 'consent' | 'filtered' | 'evicted' | 'rejected' | 'too_large'

/** Delivery counters of one tracker (this tab), since it was created. */
export interface DeliveryStats {
  /** Events written to the queue. */
  queued: number
  /** Events the collector acknowledged (stored now or before). */
  sent: number
  /** Event sends that failed and were scheduled again. */
  retried: number
  /** Events given up, by reason. */
  dropped: Record<DropReason, number>
}

export interface SenderOptions {
  platform: Platform
  queue: Queue
  url: string
  writeKey: string
  /** This tracker instance's id in the shared queue. */
  owner: string
  maxBatchSize: number
  maxBatchBytes: number
  flushInterval: number
  /** Stop retrying on its own after failing this long, ms; the next trigger starts again. */
  retryBudget: number
  stats: DeliveryStats
  drop(messages: Message[], reason: DropReason): void
  log(message: string, data?: unknown): void
}

/**
 * keepalive requests share a 64 KiB in-flight budget per page: a normal batch
 * and a page-hide batch of 32 000 characters each always fit together.
 */
export const UNLOAD_BYTES = 32_000

/**
 * Batching, sending and retrying for one tab. Events are persisted here first
 * (write-behind, in order) and kept in memory until this tab sees them
 * settled, so a page hide can send them synchronously, without waiting for
 * IndexedDB.
 */
export function createSender(o: SenderOptions) {
  const { platform, queue, stats } = o
  const { clock, lifecycle } = platform
  /** This tab's events not yet seen settled, oldest first. */
  const local = new Map<string, Entry>()
  /** Ids whose append has not reached storage yet. */
  const unsaved = new Set<string>()
  /** Ids in a request of this tab right now. */
  const inflight = new Set<string>()
  let saving: Promise<unknown> = Promise.resolve()
  /** Events tracked since the last append started. */
  const waiting: Entry[] = []
  let running: Promise<void> | undefined
  let again: Promise<void> | undefined
  let timer: unknown
  let timerAt = Infinity
  let notBefore = 0
  let attempt = 0
  let failingSince = 0
  let paused = false
  let hiding = false
  let stopped = false

  const ids = (entries: Entry[]) => new Set(entries.map((e) => e.m.messageId))
  const forget = (set: Set<string>) => set.forEach((id) => local.delete(id))

  function schedule(ms: number): void {
    const at = clock.now() + ms
    if (stopped || (timer !== undefined && timerAt <= at)) return
    if (timer !== undefined) clock.clearTimeout(timer)
    timerAt = at
    timer = clock.setTimeout(() => {
      timer = undefined
      timerAt = Infinity
      void flush()
    }, ms)
  }

  function enqueue(m: Message): void {
    const entry: Entry = { m, b: JSON.stringify(m).length, t: clock.now(), o: o.owner }
    local.set(entry.m.messageId, entry)
    unsaved.add(entry.m.messageId)
    stats.queued++
    // Everything tracked before the write starts goes in one append: a burst
    // of 100 events in one tick is one storage write, not 100.
    if (waiting.push(entry) === 1)
      saving = saving.then(() => {
        const batch = waiting.splice(0)
        return queue.append(batch).then(
          (evicted) => {
            batch.forEach((e) => unsaved.delete(e.m.messageId))
            if (evicted.length === 0) return
            forget(ids(evicted))
            o.drop(
              evicted.map((e) => e.m),
              'evicted',
            )
          },
          (error: unknown) => o.log('storage failed', error),
        )
      })
    let bytes = 0
    local.forEach((e) => (bytes += e.b))
    if (local.size >= o.maxBatchSize || bytes >= o.maxBatchBytes) void flush()
    else schedule(o.flushInterval)
  }

  /**
   * Posts a batch and acts on the answer with `then`, its events marked in
   * flight until that is done, so a page-hide send never repeats them.
   */
  function post<T>(
    batch: Entry[],
    unloading: boolean,
    then: (res: TransportResponse | undefined) => Promise<T>,
  ): Promise<T> {
    const batchIds = ids(batch)
    batchIds.forEach((id) => inflight.add(id))
    return platform.transport
      .send({
        url: o.url,
        body: JSON.stringify({
          batch: batch.map((e) => e.m),
          sentAt: new Date(clock.now()).toISOString(),
          writeKey: o.writeKey,
        }),
        unloading,
      })
      .catch(() => undefined)
      .then(then)
      .finally(() => batchIds.forEach((id) => inflight.delete(id)))
  }

  /** The collector took a batch: drops the events it rejected, removes them all. */
  async function settle(batch: Entry[], bad: Set<number>): Promise<boolean> {
    o.drop(
      batch.filter((_, i) => bad.has(i)).map((e) => e.m),
      'rejected',
    )
    stats.sent += batch.length - bad.size
    await saving
    const batchIds = ids(batch)
    await queue.remove(batchIds)
    forget(batchIds)
    return true
  }

  /** Sends one batch; false when sending should stop for now. */
  const deliver = (batch: Entry[]): Promise<boolean> =>
    post(batch, false, (res) => judge(batch, res))

  async function judge(batch: Entry[], res: TransportResponse | undefined): Promise<boolean> {
    const batchIds = ids(batch)
    const verdict = classify(res)
    if (verdict === 'ok' || verdict === 'reject') {
      attempt = failingSince = 0
      return settle(
        batch,
        new Set(verdict === 'ok' ? rejectedIndexes(res?.body) : batch.map((_, i) => i)),
      )
    }
    if (verdict === 'split') {
      if (batch.length === 1) {
        o.drop([batch[0]!.m], 'too_large')
        await queue.remove(batchIds)
        forget(batchIds)
        return true
      }
      const half = Math.ceil(batch.length / 2)
      const rest = batch.slice(half)
      if (await deliver(batch.slice(0, half))) return deliver(rest)
      await queue.release(ids(rest))
      return false
    }
    await queue.release(batchIds)
    // Offline: hold the events without spending a retry; resuming sends them.
    if (!res && !lifecycle.isOnline()) return false
    if (verdict === 'pause') {
      paused = true
      o.log(`send failed (${res?.status}): paused`)
      return false
    }
    stats.retried += batch.length
    const now = clock.now()
    failingSince ||= now
    if (now - failingSince > o.retryBudget) {
      o.log('retry budget spent')
      attempt = failingSince = 0
      return false
    }
    const wait = Math.max(
      backoff(attempt++, Math.random()),
      retryAfterMs(res?.retryAfter, now) ?? 0,
    )
    o.log(`send failed (${res?.status}): retry in ${wait} ms`)
    notBefore = now + wait
    schedule(wait)
    return false
  }

  async function run(): Promise<void> {
    await saving
    // A timer set for an earlier flush may fire inside a backoff: come back when it ends.
    if (clock.now() < notBefore) schedule(notBefore - clock.now())
    while (!stopped && !paused && lifecycle.isOnline() && clock.now() >= notBefore) {
      const { claimed, present, wake } = await queue.claim(
        o.owner,
        clock.now(),
        o.maxBatchSize,
        o.maxBatchBytes,
        inflight,
      )
      // Settled by another tab, or evicted: a page hide must not send them again.
      for (const id of local.keys()) if (!present.has(id) && !unsaved.has(id)) local.delete(id)
      // Nothing to take now: come back when an earlier page's or a dead tab's events free up.
      if (claimed.length === 0) return wake < Infinity ? schedule(wake - clock.now()) : undefined
      if (!(await deliver(claimed))) return
      await saving
    }
  }

  /** Sends what waits now (unless a Retry-After or backoff is running, or offline). */
  function flush(): Promise<void> {
    // A run already going may have claimed before the caller's latest event: queue one more.
    if (running) return (again ??= running.then(() => ((again = undefined), flush())))
    running = run()
      .catch((error: unknown) => o.log('send failed', error))
      .finally(() => (running = undefined))
    return running
  }

  /**
   * The page is being hidden or closed: send this tab's waiting events at
   * once with keepalive, within the keepalive budget; the rest stays queued.
   */
  function hide(): void {
    // visibilitychange and pagehide both fire on close: one keepalive batch per hide.
    if (hiding || stopped || paused || !lifecycle.isOnline()) return
    const batch: Entry[] = []
    let bytes = 200
    for (const e of local.values()) {
      if (inflight.has(e.m.messageId)) continue
      if (bytes + e.b + 1 > UNLOAD_BYTES) break
      bytes += e.b + 1
      batch.push(e)
    }
    if (batch.length === 0) return
    hiding = true
    // If the page lives on (only hidden), the answer settles these events as
    // usual; if it ends first, they stay stored and go with the next visit.
    post(batch, true, async (res) => {
      const verdict = classify(res)
      if (verdict === 'ok' || verdict === 'unknown')
        await settle(batch, new Set(rejectedIndexes(res?.body)))
    })
      .catch(() => undefined)
      .finally(() => (hiding = false))
  }

  /** Forgets every queued event of every tab (consent denied). */
  async function clear(): Promise<void> {
    local.clear()
    await saving
    await queue.clear()
  }

  // Back online or in the foreground: a fresh start, the time offline spent no retry budget.
  const online = lifecycle.onResume(() => {
    notBefore = attempt = failingSince = 0
    void flush()
  })

  return {
    enqueue,
    flush,
    hide,
    clear,
    stop() {
      stopped = true
      clock.clearTimeout(timer)
      online()
    },
  }
}

export type Sender = ReturnType<typeof createSender>
