import { describe, expect, it } from 'vitest'
import { makeEvent } from '../store/conformance'
import { createSqliteStore } from '../store/sqlite/index'
import type { EventStore } from '../store/types'
import { DEFAULT_SETTINGS } from '../store/types'
import { createBatchWriter } from './writer'

async function countingStore() {
  const store = createSqliteStore({ path: ':memory:' })
  await store.createSite({
    id: 's1',
    name: 's1',
    timezone: 'UTC',
    domain: null,
    settings: DEFAULT_SETTINGS,
    createdAt: 0,
  })
  const calls: number[] = []
  const counted: EventStore = {
    ...store,
    insertEvents: (events) => {
      calls.push(events.length)
      return store.insertEvents(events)
    },
  }
  return { store, counted, calls }
}

describe('createBatchWriter', () => {
  it('commits concurrent writes in one transaction and answers each with its own outcomes', async () => {
    const { store, counted, calls } = await countingStore()
    const writer = createBatchWriter(counted)
    const [a, b, c] = await Promise.all([
      writer.write([makeEvent({ messageId: '1' }), makeEvent({ messageId: '2' })]),
      writer.write([makeEvent({ messageId: '2' })]),
      writer.write([makeEvent({ messageId: '3' })]),
    ])
    expect(calls).toEqual([4])
    expect(a).toEqual(['inserted', 'inserted'])
    expect(b).toEqual(['duplicate'])
    expect(c).toEqual(['inserted'])
    expect(await store.listEvents('s1')).toHaveLength(3)
  })

  it('splits a group at maxEvents', async () => {
    const { counted, calls } = await countingStore()
    const writer = createBatchWriter(counted, { maxEvents: 3 })
    const batch = (p: string) => [1, 2].map((i) => makeEvent({ messageId: `${p}${i}` }))
    await Promise.all([
      writer.write(batch('a')),
      writer.write(batch('b')),
      writer.write(batch('c')),
    ])
    expect(calls).toEqual([2, 2, 2])
  })

  it('rejects every request of a group whose commit fails', async () => {
    const { store, counted } = await countingStore()
    await store.close()
    const writer = createBatchWriter(counted)
    const results = await Promise.allSettled([
      writer.write([makeEvent({ messageId: 'x' })]),
      writer.write([makeEvent({ messageId: 'y' })]),
    ])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
  })
})
