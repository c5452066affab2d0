import type { Message } from '@pipit/protocol'
import type {
  AppStateLike,
  AsyncStorageLike,
  LinkingLike,
  NetInfoLike,
  NetInfoStateLike,
} from '../platform/react-native/types'

/** One call the in-memory AsyncStorage received: its method and the keys it wrote or removed. */
export interface StorageCall {
  op: 'setItem' | 'removeItem' | 'multiSet' | 'multiRemove'
  keys: string[]
}

/**
 * AsyncStorage in memory, with the same shape (and asynchrony) as the real
 * module. `map` is what a restarted app would find; `calls` records writes.
 * Hand `map` to a second instance to start the app again on the same storage.
 */
export function memoryAsyncStorage(map = new Map<string, string>()) {
  const calls: StorageCall[] = []
  const later = <T>(fn: () => T) => Promise.resolve().then(fn)
  const storage: AsyncStorageLike = {
    getItem: (key) => later(() => map.get(key) ?? null),
    setItem: (key, value) =>
      later(() => {
        calls.push({ op: 'setItem', keys: [key] })
        map.set(key, value)
      }),
    removeItem: (key) =>
      later(() => {
        calls.push({ op: 'removeItem', keys: [key] })
        map.delete(key)
      }),
    getAllKeys: () => later(() => [...map.keys()]),
    multiGet: (keys) => later(() => keys.map((k) => [k, map.get(k) ?? null] as const)),
    multiSet: (pairs) =>
      later(() => {
        calls.push({ op: 'multiSet', keys: pairs.map(([k]) => k) })
        pairs.forEach(([k, v]) => map.set(k, v))
      }),
    multiRemove: (keys) =>
      later(() => {
        calls.push({ op: 'multiRemove', keys: [...keys] })
        keys.forEach((k) => map.delete(k))
      }),
  }
  return { storage, map, calls }
}

/** react-native's AppState: `set()` moves the app, as the OS would. */
export function fakeAppState(initial = 'active') {
  const listeners = new Set<(state: string) => void>()
  const appState: AppStateLike = {
    currentState: initial,
    addEventListener(_type, listener) {
      listeners.add(listener)
      return { remove: () => void listeners.delete(listener) }
    },
  }
  return {
    appState,
    listeners,
    set(state: string) {
      appState.currentState = state
      listeners.forEach((fn) => fn(state))
    },
  }
}

/**
 * NetInfo: `fetch()` answers the current state asynchronously, listeners hear
 * every change (as the real module, which also calls a new listener once).
 */
export function fakeNetInfo(connected: boolean | null = true) {
  let state: NetInfoStateLike = { isConnected: connected }
  const listeners = new Set<(state: NetInfoStateLike) => void>()
  const netInfo: NetInfoLike = {
    fetch: () => Promise.resolve(state),
    addEventListener(listener) {
      listeners.add(listener)
      void Promise.resolve().then(() => listeners.has(listener) && listener(state))
      return () => void listeners.delete(listener)
    },
  }
  return {
    netInfo,
    listeners,
    set(isConnected: boolean | null) {
      state = { isConnected }
      listeners.forEach((fn) => fn(state))
    },
  }
}

/** react-native's Linking: `open()` delivers a URL as the OS does while the app runs. */
export function fakeLinking(initial: string | null = null) {
  const listeners = new Set<(event: { url: string }) => void>()
  const linking: LinkingLike = {
    getInitialURL: () => Promise.resolve(initial),
    addEventListener(_type, listener) {
      listeners.add(listener)
      return { remove: () => void listeners.delete(listener) }
    },
  }
  return { linking, listeners, open: (url: string) => listeners.forEach((fn) => fn({ url })) }
}

/** How the fake collector answers one request. */
export type FakeAnswer =
  | { status: number; retryAfter?: string; body?: unknown }
  | 'network error'
  /** Never answers (the app is killed mid-send). */
  | 'hang'
  /** Stores the batch, but the answer never arrives (killed after the collector committed). */
  | 'store and hang'
  /** Decides when the request arrives. */
  | (() => FakeAnswer)

/**
 * A collector behind a `fetch` of the global's shape: records every request,
 * answers with `answers` in turn (then 200), and stores each acknowledged
 * event once by messageId, as the real one does.
 */
export function fakeCollector() {
  const requests: { url: string; batch: Message[] }[] = []
  const answers: FakeAnswer[] = []
  /** Acknowledged events by messageId, and how often each was acknowledged. */
  const stored = new Map<string, { message: Message; times: number }>()
  const fetch = (url: string, init: { body: string }) => {
    const { batch } = JSON.parse(init.body) as { batch: Message[] }
    requests.push({ url, batch })
    let answer = answers.shift() ?? { status: 200 }
    while (typeof answer === 'function') answer = answer()
    if (answer === 'hang') return new Promise<never>(() => {})
    if (answer === 'network error') return Promise.reject(new TypeError('Network request failed'))
    if (answer === 'store and hang' || (answer.status >= 200 && answer.status < 300))
      for (const message of batch) {
        const seen = stored.get(message.messageId)
        stored.set(message.messageId, { message, times: (seen?.times ?? 0) + 1 })
      }
    if (answer === 'store and hang') return new Promise<never>(() => {})
    const { status, body, retryAfter } = answer
    return Promise.resolve({
      status,
      json: () => Promise.resolve(body ?? { success: true, rejected: [] }),
      headers: {
        get: (name: string) => (name === 'retry-after' ? (retryAfter ?? null) : null),
      },
    })
  }
  return {
    fetch,
    requests,
    answers,
    stored,
    /** Names of the events in every request, in order. */
    sent: () => requests.flatMap((r) => r.batch.map(nameOf)),
    /** Names of the events the collector stored, each once, in order of first arrival. */
    received: () => [...stored.values()].map((s) => nameOf(s.message)),
  }
}

const nameOf = (m: Message) =>
  m.type === 'track'
    ? m.event
    : m.type === 'screen' || m.type === 'page'
      ? (m.name ?? m.type)
      : m.type
