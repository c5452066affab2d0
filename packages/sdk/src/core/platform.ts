/**
 * Everything the platform-free core needs from its host. The browser and
 * React Native adapters implement it; tests implement it with recorders. The
 * core never touches a global of its own (lint and `tsconfig.core.json`
 * enforce that).
 */

/** A persistent key-value store (IndexedDB, AsyncStorage, memory). */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>
  set(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
}

export interface TransportRequest {
  url: string
  /** JSON text of the batch. */
  body: string
  /** Sending while the page goes away: must survive the page's end. */
  unloading?: boolean
}

export interface TransportResponse {
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
}

export interface Platform {
  storage: KeyValueStore
  transport: Transport
  lifecycle: Lifecycle
  clock: Clock
  /** Cryptographically random bytes. */
  randomBytes(length: number): Uint8Array
  context(): HostContext
}

/** A `KeyValueStore` in memory: for hosts without storage, and for tests. */
export function createMemoryStore(): KeyValueStore {
  const map = new Map<string, unknown>()
  return {
    get: <T>(key: string) => Promise.resolve(map.get(key) as T | undefined),
    set: (key, value) => {
      map.set(key, value)
      return Promise.resolve()
    },
    del: (key) => {
      map.delete(key)
      return Promise.resolve()
    },
  }
}
