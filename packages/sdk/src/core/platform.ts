import type { Queue, QueueLimits } from './queue'

/**
 * Everything the platform-free core needs from its host. The browser and
 * React Native adapters implement it; tests implement it with recorders. The
 * core never touches a global of its own (lint and `tsconfig.core.json`
 * enforce that).
 */

/**
 * A persistent key-value store (IndexedDB, AsyncStorage, memory). Values are
 * JSON-compatible, so a string store (AsyncStorage) implements it with
 * `JSON.stringify`/`JSON.parse`.
 */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>
  set(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
  /**
   * Reads, changes and writes one key as one atomic step, also against other
   * tabs of the same browser (one IndexedDB transaction). `fn` runs exactly
   * once; when it returns undefined, the key is deleted. A single-context
   * host (React Native) gets this with a per-key promise chain around get +
   * set.
   */
  update<T>(key: string, fn: (old: T | undefined) => T | undefined): Promise<void>
}

export interface TransportRequest {
  url: string
  /** JSON text of the batch. */
  body: string
  /** Sending while the page goes away: must survive the page's end. */
  unloading?: boolean
}

export interface TransportResponse {
  /** The HTTP status; `0` when the request was handed to the host with no way to learn the answer (sendBeacon). */
  status: number
  /** The parsed JSON answer, when there was one. */
  body?: unknown
  /** The Retry-After header, when present. */
  retryAfter?: string | null
}

/** Sends one request. Rejects only for network failures, never for HTTP statuses. */
export interface Transport {
  send(request: TransportRequest): Promise<TransportResponse>
}

/** Signals from the host's lifecycle. Each `on*` returns its unsubscribe function. */
export interface Lifecycle {
  /** The app is being hidden or closed: last chance to send. */
  onHide(listener: () => void): () => void
  /**
   * A moment to send at once, past any backoff: the network came back
   * (`online`, NetInfo), or the app moved to the foreground or the background
   * (React Native's AppState).
   */
  onResume(listener: () => void): () => void
  /** Whether the host believes it is online now (`navigator.onLine`, NetInfo). */
  isOnline(): boolean
  /** The current screen or URL changed without a page load (SPA navigation). */
  onNavigate(listener: () => void): () => void
  /**
   * A URL the app was opened with (a deep link, an install referrer), now or
   * later, for attribution. Browsers have none: their landing page comes from
   * `context().page`.
   */
  onLink?(listener: (url: string, referrer?: string) => void): () => void
}

export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** What the host says about the current screen or page, merged into every event's context. */
export type HostContext = {
  page?: { path: string; url: string; referrer: string; title: string; search: string }
  userAgent?: string
  locale?: string
  screen?: { width: number; height: number }
  timezone?: string
  /** The app (React Native), as Segment's mobile libraries name it. */
  app?: { name?: string; version?: string; build?: string; namespace?: string }
  /** The operating system: `{ name: 'ios' | 'android', version }` in an app. */
  os?: { name: string; version?: string }
  /** The device: model, manufacturer, type (`phone`, `tablet`...). */
  device?: { model?: string; manufacturer?: string; type?: string }
}

/** The user's browser-level privacy signals. */
export interface PrivacySignals {
  /** `navigator.doNotTrack === '1'`. */
  doNotTrack: boolean
  /** `navigator.globalPrivacyControl === true` (Sec-GPC). */
  globalPrivacyControl: boolean
}

export interface Platform {
  storage: KeyValueStore
  /**
   * The durable event queue on this host's storage; by default the shared
   * single-key queue of `createQueue` (IndexedDB, shared by tabs). React
   * Native keeps one key per event instead.
   */
  queue?(limits: QueueLimits): Queue
  transport: Transport
  lifecycle: Lifecycle
  clock: Clock
  /** Cryptographically random bytes. */
  randomBytes(length: number): Uint8Array
  context(): HostContext
  privacy(): PrivacySignals
  /** Writes a diagnostic line (the console in a browser). */
  log(level: 'debug' | 'warn', message: string, data?: unknown): void
}

/** A `KeyValueStore` in memory: for hosts without storage, and for tests. */
export function createMemoryStore(): KeyValueStore {
  const map = new Map<string, unknown>()
  const store: KeyValueStore = {
    get: <T>(key: string) => Promise.resolve(map.get(key) as T | undefined),
    set: (key, value) => Promise.resolve(void map.set(key, value)),
    del: (key) => Promise.resolve(void map.delete(key)),
    update: <T>(key: string, fn: (old: T | undefined) => T | undefined) => {
      const value = fn(map.get(key) as T)
      return value === undefined ? store.del(key) : store.set(key, value)
    },
  }
  return store
}
