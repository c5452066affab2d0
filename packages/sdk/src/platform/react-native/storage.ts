import type { KeyValueStore } from '../../core/platform'
import type { AsyncStorageLike } from './types'

const parse = (raw: string | null | undefined): unknown => {
  try {
    return raw == null ? undefined : JSON.parse(raw)
  } catch {
    return undefined
  }
}

/**
 * The SDK's small keys (consent, user, session, attribution) on AsyncStorage,
 * as JSON. One JavaScript context owns the storage, so values are cached
 * after the first read and `update` is a plain read-change-write. Writes to
 * one key are combined: however many changes a tick makes (a session touched
 * by each of 100 events), one `setItem` carries the newest value, after the
 * key's previous write has finished.
 *
 * @example
 * const store = createAsyncStorageStore(AsyncStorage)
 * await store.set('pipit:v1:consent', 'granted')
 */
export function createAsyncStorageStore(storage: AsyncStorageLike): KeyValueStore {
  /** Known values; undefined means absent. */
  const cache = new Map<string, unknown>()
  const reads = new Map<string, Promise<unknown>>()
  /** A write per key not started yet: it will carry whatever the cache holds then. */
  const waiting = new Map<string, Promise<void>>()
  const latest = new Map<string, Promise<void>>()

  function read<T>(key: string): Promise<T | undefined> {
    if (cache.has(key)) return Promise.resolve(cache.get(key) as T | undefined)
    let pending = reads.get(key)
    if (!pending) {
      pending = storage
        .getItem(key)
        .then((raw) => {
          // A write made while reading is newer than what was read.
          if (!cache.has(key)) cache.set(key, parse(raw))
          return cache.get(key)
        })
        .finally(() => reads.delete(key))
      reads.set(key, pending)
    }
    return pending as Promise<T | undefined>
  }

  function write(key: string, value: unknown): Promise<void> {
    cache.set(key, value)
    let pending = waiting.get(key)
    if (!pending) {
      pending = (latest.get(key) ?? Promise.resolve())
        .catch(() => {})
        .then(() => {
          waiting.delete(key)
          const now = cache.get(key)
          return now === undefined
            ? storage.removeItem(key)
            : storage.setItem(key, JSON.stringify(now))
        })
      waiting.set(key, pending)
      latest.set(key, pending)
    }
    return pending
  }

  return {
    get: read,
    set: write,
    del: (key) => write(key, undefined),
    async update<T>(key: string, fn: (old: T | undefined) => T | undefined) {
      await read(key)
      // Read again after the await: a change made meanwhile is part of `old`.
      return write(key, fn(cache.get(key) as T | undefined))
    },
  }
}
