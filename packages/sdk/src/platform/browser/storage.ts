/// <reference lib="dom" />
import type { UseStore } from 'idb-keyval'
import { createStore, promisifyRequest as done } from 'idb-keyval'
import type { KeyValueStore } from '../../core/platform'
import { createMemoryStore } from '../../core/platform'

/** The IndexedDB database and object store the SDK owns (never idb-keyval's shared default). */
export const DB_NAME = 'pipit'

/**
 * IndexedDB through idb-keyval, opened only when something is first written:
 * reading a key of a database that does not exist yet answers `undefined`
 * without creating it, so a visitor whose consent is pending leaves no trace.
 * Where IndexedDB is missing or fails (some private modes, blocked storage),
 * it falls back to memory for the rest of the page's life.
 *
 * @example
 * const store = createBrowserStore()
 * await store.set('pipit:v1:consent', 'granted')
 */
export function createBrowserStore(name = DB_NAME): KeyValueStore {
  const memory = createMemoryStore()
  let failed = typeof indexedDB === 'undefined'
  let db: UseStore | undefined
  let exists: Promise<boolean> | undefined
  const present = () =>
    (exists ??= indexedDB.databases
      ? indexedDB.databases().then(
          (list) => list.some((d) => d.name === name),
          () => true,
        )
      : Promise.resolve(true))

  async function run<T>(
    write: boolean,
    op: (store: UseStore) => Promise<T>,
    fallback: () => Promise<T>,
  ): Promise<T> {
    if (failed || (!write && !db && !(await present()))) return fallback()
    try {
      return await op((db ??= createStore(name, 'kv')))
    } catch {
      failed = true
      return fallback()
    }
  }

  // idb-keyval opens the database and wraps requests; the four operations
  // below are its own get/set/del/update without the default-store fallback
  // that would add its shared `keyval-store` database to the bundle.
  return {
    get: <T>(key: string) =>
      run(
        false,
        (s) => s('readonly', (os) => done(os.get(key) as IDBRequest<T | undefined>)),
        () => memory.get<T>(key),
      ),
    set: (key, value) =>
      run(
        true,
        (s) => s('readwrite', (os) => (os.put(value, key), done(os.transaction))),
        () => memory.set(key, value),
      ),
    del: (key) =>
      run(
        true,
        (s) => s('readwrite', (os) => (os.delete(key), done(os.transaction))),
        () => memory.del(key),
      ),
    update: <T>(key: string, fn: (old: T | undefined) => T | undefined) =>
      run(
        true,
        // get and put in one readwrite transaction: atomic across tabs. The
        // put runs in the get's promise reaction, while the transaction is
        // still active (as the `idb` library relies on too).
        (s) =>
          s('readwrite', (os) =>
            done(os.get(key) as IDBRequest<T | undefined>).then((old) => {
              const value = fn(old)
              if (value === undefined) os.delete(key)
              else os.put(value, key)
              return done(os.transaction)
            }),
          ),
        () => memory.update(key, fn),
      ),
  }
}
