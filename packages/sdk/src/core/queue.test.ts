import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { createBrowserStore } from '../platform/browser/storage'
import type { KeyValueStore } from './platform'
import { createMemoryStore } from './platform'
import type { Entry } from './queue'
import { createQueue, LEASE_MS, ORPHAN_MS, QUEUE_KEY } from './queue'

let n = 0
const entry = (owner: string, t: number, b = 10): Entry => ({
  m: {
    type: 'track',
    event: 'e',
    messageId: `m${String(n++).padStart(5, '0')}`,
    anonymousId: 'a',
  },
  b,
  t,
  o: owner,
})
const idsOf = (entries: Entry[]) => entries.map((e) => e.m.messageId)

// The same cases against memory and IndexedDB (fake-indexeddb): one contract, two stores.
describe.each([
  ['memory', () => createMemoryStore()],
  ['indexeddb', () => createBrowserStore(`queue-test-${n++}`)],
] as [string, () => KeyValueStore][])('queue on %s', (_name, makeStore) => {
  const limits = { maxEvents: 100, maxBytes: 10_000 }

  it('stores under a versioned key and evicts the oldest beyond the count and byte limits', async () => {
    const store = makeStore()
    const queue = createQueue(store, { maxEvents: 3, maxBytes: 100 })
    const all = [1, 2, 3, 4].map((t) => entry('a', t, 10))
    expect(idsOf(await queue.append(all.slice(0, 3)))).toEqual([])
    expect(idsOf(await queue.append([all[3]!]))).toEqual(idsOf(all.slice(0, 1)))
    const big = entry('a', 5, 85)
    expect(idsOf(await queue.append([big]))).toEqual(idsOf(all.slice(1, 3)))
    expect(idsOf((await store.get<Entry[]>(QUEUE_KEY))!)).toEqual([
      all[3]!.m.messageId,
      big.m.messageId,
    ])
  })

  it('loses no append when two tabs write at once', async () => {
    const store = makeStore()
    const a = createQueue(store, limits)
    const b = createQueue(store, limits)
    const writes = Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).append([entry('x', i)]))
    await Promise.all(writes)
    expect((await store.get<Entry[]>(QUEUE_KEY))!).toHaveLength(40)
  })

  it('never lets two tabs claim the same event', async () => {
    const store = makeStore()
    const now = 1_000_000
    const shared = Array.from({ length: 30 }, (_, i) =>
      entry(i % 2 ? 'a' : 'b', now - ORPHAN_MS - i),
    )
    await createQueue(store, limits).append(shared)
    const a = createQueue(store, limits)
    const b = createQueue(store, limits)
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).claim(i % 2 ? 'a' : 'b', now, 4, 10_000),
      ),
    )
    const claimed = claims.flatMap((c) => idsOf(c.claimed))
    expect(claimed).toHaveLength(30)
    expect(new Set(claimed).size).toBe(30)
  })

  it('claims own events first, adopts other tabs’ only once orphaned, honours leases', async () => {
    const store = makeStore()
    const queue = createQueue(store, limits)
    const now = 5_000_000
    const mine = entry('me', now - 10)
    const young = entry('other', now - ORPHAN_MS + 1)
    const orphan = entry('other', now - ORPHAN_MS)
    await queue.append([orphan, young, mine])
    const first = await queue.claim('me', now, 10, 10_000)
    expect(idsOf(first.claimed)).toEqual(idsOf([orphan, mine]))
    expect(first.present).toEqual(new Set(idsOf([orphan, young, mine])))
    // Later the young one is orphaned too; the claimed ones stay leased.
    expect(idsOf((await queue.claim('me', now + LEASE_MS - 1, 10, 10_000)).claimed)).toEqual(
      idsOf([young]),
    )
    expect(first.wake).toBe(young.t + ORPHAN_MS)
    // An expired lease (a tab closed mid-send) frees the event.
    expect(idsOf((await queue.claim('me', now + LEASE_MS, 10, 10_000)).claimed)).toEqual(
      idsOf([orphan, mine]),
    )
  })

  it('claims oldest first within count and bytes, never skipping an event that does not fit', async () => {
    const store = makeStore()
    const queue = createQueue(store, limits)
    const es = [entry('me', 1, 40), entry('me', 2, 40), entry('me', 3, 40), entry('me', 4, 5)]
    await queue.append(es)
    expect(idsOf((await queue.claim('me', 10, 10, 100)).claimed)).toEqual(idsOf(es.slice(0, 2)))
    expect(idsOf((await queue.claim('me', 10, 1, 100)).claimed)).toEqual(idsOf(es.slice(2, 3)))
    // One event larger than the byte limit still goes, alone.
    await queue.release(new Set(idsOf(es)))
    await queue.append([entry('me', 5, 500)])
    await queue.remove(new Set(idsOf(es)))
    expect((await queue.claim('me', 10, 10, 100)).claimed.map((e) => e.b)).toEqual([500])
  })

  it('releases, removes and clears', async () => {
    const store = makeStore()
    const queue = createQueue(store, limits)
    const es = [entry('me', 1), entry('me', 2)]
    await queue.append(es)
    await queue.claim('me', 10, 10, 10_000)
    await queue.release(new Set([es[0]!.m.messageId]))
    expect(idsOf((await queue.claim('me', 10, 10, 10_000)).claimed)).toEqual(idsOf(es.slice(0, 1)))
    await queue.remove(new Set([es[0]!.m.messageId]))
    expect(idsOf((await store.get<Entry[]>(QUEUE_KEY))!)).toEqual(idsOf(es.slice(1)))
    await queue.clear()
    expect(await store.get(QUEUE_KEY)).toBeUndefined()
  })
})
