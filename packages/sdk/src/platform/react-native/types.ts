/**
 * The shapes of the React Native modules the app injects. The SDK imports
 * none of them (nor `react-native`): these interfaces are the subset it calls,
 * so the real default exports fit, and so do small wrappers (MMKV) and the
 * in-memory fakes the tests use.
 */

/**
 * `@react-native-async-storage/async-storage`'s default export (v1/v2), or a
 * wrapper with these methods (MMKV: `getString`/`set`/`delete`/`getAllKeys`).
 */
export interface AsyncStorageLike {
  getItem(key: string): Promise<string | null | undefined>
  setItem(key: string, value: string): Promise<void>
  removeItem(key: string): Promise<void>
  getAllKeys(): Promise<readonly string[]>
  multiGet(keys: readonly string[]): Promise<readonly (readonly [string, string | null])[]>
  multiSet(pairs: readonly (readonly [string, string])[]): Promise<void>
  multiRemove(keys: readonly string[]): Promise<void>
}

/** react-native's `AppState`. */
export interface AppStateLike {
  /** `active`, `background`, `inactive` (iOS), or unknown at first. */
  currentState: string | null
  addEventListener(type: 'change', listener: (state: string) => void): { remove(): void }
}

/** The part of a `NetInfoState` the SDK reads. */
export interface NetInfoStateLike {
  /** false: no network at all; null: not known yet. */
  isConnected: boolean | null
}

/** `@react-native-community/netinfo`'s default export. */
export interface NetInfoLike {
  fetch(): Promise<NetInfoStateLike>
  /** Calls back on every change; returns its unsubscribe function. */
  addEventListener(listener: (state: NetInfoStateLike) => void): () => void
}

/** react-native's `Linking`, for deep links that arrive while the app runs. */
export interface LinkingLike {
  getInitialURL?(): Promise<string | null>
  addEventListener(type: 'url', listener: (event: { url: string }) => void): { remove(): void }
}

/**
 * The globals React Native (Hermes) has, reached through `globalThis`: this
 * folder compiles without the DOM library, so nothing else slips in.
 * `crypto` and `AbortController` may be missing and have fallbacks.
 */
export interface HermesGlobals {
  fetch(
    url: string,
    init: { method: string; body: string; signal?: unknown },
  ): Promise<{
    status: number
    json(): Promise<unknown>
    headers: { get(name: string): string | null }
  }>
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  AbortController?: new () => { signal: unknown; abort(): void }
  crypto?: { getRandomValues?(array: Uint8Array): Uint8Array }
  console?: Record<'debug' | 'warn', (...args: unknown[]) => void>
}
