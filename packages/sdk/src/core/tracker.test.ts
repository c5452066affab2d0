import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Message } from '@pipit/protocol'
import type { Platform, TransportRequest, TransportResponse } from './platform'
import { createMemoryStore } from './platform'
import { createCore } from './tracker'

interface Recorded extends TransportRequest {
  payload: { batch: Message[]; sentAt: string; writeKey: string }
}

/** A platform whose transport records requests and answers what the test says. */
function testPlatform(answer: (req: TransportRequest) => Promise<TransportResponse>) {
  const sent: Recorded[] = []
  let hide: (() => void) | undefined
  let counter = 0
  const platform: Platform = {
    storage: createMemoryStore(),
    transport: {
      send(req) {
        sent.push({ ...req, payload: JSON.parse(req.body) as Recorded['payload'] })
        return answer(req)
      },
    },
    lifecycle: {
      onHide(listener) {
        hide = listener
        return () => (hide = undefined)
      },
    },
    clock: {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    },
    randomBytes: (n) => Uint8Array.from({ length: n }, () => (counter++ * 37) % 256),
    context: () => ({
      page: { path: '/p', url: 'https://x.test/p', referrer: '', title: 'P', search: '' },
    }),
  }
  return { platform, sent, hide: () => hide?.() }
}

const ok = () => Promise.resolve({ status: 200, body: { success: true } })
const options = { writeKey: 'pk_test', host: 'https://collector.test/' }

describe('createCore', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-05-01T12:00:00.000Z'))
  })
  afterEach(() => vi.useRealTimers())

  it('sends Segment track and page messages to host/v1/batch with the write key', async () => {
    const t = testPlatform(ok)
    const tracker = createCore(options, t.platform)
    tracker.track('Signed Up', { plan: 'pro' })
    tracker.page('Pricing', { experiment: 'a' })
    await tracker.flush()

    expect(t.sent).toHaveLength(1)
    const [req] = t.sent
    expect(req!.url).toBe('https://collector.test/v1/batch')
    expect(req!.payload.writeKey).toBe('pk_test')
    expect(req!.payload.sentAt).toBe('2026-05-01T12:00:00.000Z')
    const [track, page] = req!.payload.batch
    expect(track).toMatchObject({
      type: 'track',
      event: 'Signed Up',
      properties: { plan: 'pro' },
      timestamp: '2026-05-01T12:00:00.000Z',
      context: { library: { name: '@pipit/sdk' }, page: { path: '/p' } },
    })
    expect(page).toMatchObject({
      type: 'page',
      name: 'Pricing',
      properties: { path: '/p', url: 'https://x.test/p', title: 'P', experiment: 'a' },
    })
    expect(track!.anonymousId).toBe(page!.anonymousId)
    expect(track!.messageId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(track!.messageId).not.toBe(page!.messageId)
  })

  it('splits what is waiting into batches of maxBatchSize', async () => {
    const t = testPlatform(ok)
    const tracker = createCore({ ...options, maxBatchSize: 20 }, t.platform)
    // 19 stay under the threshold; the 20th triggers a send by itself.
    for (let i = 0; i < 45; i++) tracker.track(`e${i}`)
    await tracker.flush()
    const sizes = t.sent.map((r) => r.payload.batch.length)
    expect(sizes).toEqual([20, 20, 5])
    const names = t.sent.flatMap((r) => r.payload.batch.map((m) => (m as { event: string }).event))
    expect(names).toEqual(Array.from({ length: 45 }, (_, i) => `e${i}`))
  })

  it('sends on its own after flushInterval', async () => {
    const t = testPlatform(ok)
    createCore({ ...options, flushInterval: 1_000 }, t.platform).track('x')
    await vi.advanceTimersByTimeAsync(999)
    expect(t.sent).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(t.sent).toHaveLength(1)
  })

  it('keeps events after a network error or a 5xx and sends them on the next flush', async () => {
    const answers = [
      () => Promise.reject(new TypeError('network down')),
      () => Promise.resolve({ status: 503 }),
      ok,
    ]
    const t = testPlatform(() => answers.shift()!())
    const tracker = createCore(options, t.platform)
    tracker.track('a')
    tracker.track('b')
    await tracker.flush()
    await tracker.flush()
    await tracker.flush()
    await tracker.flush()
    expect(t.sent).toHaveLength(3)
    const ids = t.sent.map((r) => r.payload.batch.map((m) => m.messageId).join())
    expect(new Set(ids).size).toBe(1)
  })

  it('drops a batch the collector refuses as invalid (4xx) instead of blocking the queue', async () => {
    const t = testPlatform(() => Promise.resolve({ status: 400 }))
    const tracker = createCore(options, t.platform)
    tracker.track('bad')
    await tracker.flush()
    await tracker.flush()
    expect(t.sent).toHaveLength(1)
  })

  it('sends with unloading set when the page is hidden', async () => {
    const t = testPlatform(ok)
    createCore(options, t.platform).track('leaving')
    t.hide()
    await vi.runAllTimersAsync()
    expect(t.sent).toHaveLength(1)
    expect(t.sent[0]!.unloading).toBe(true)
  })

  it('records nothing after shutdown', async () => {
    const t = testPlatform(ok)
    const tracker = createCore(options, t.platform)
    tracker.shutdown()
    tracker.track('late')
    await tracker.flush()
    await vi.runAllTimersAsync()
    expect(t.sent).toHaveLength(0)
  })
})
