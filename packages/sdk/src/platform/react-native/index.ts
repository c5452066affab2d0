import type { HostContext, KeyValueStore, Platform } from '../../core/platform'
import type { Queue } from '../../core/queue'
import type { TrackerOptions } from '../../core/types'
import { createEventQueue } from './queue'
import { createAsyncStorageStore } from './storage'
import type {
  AppStateLike,
  AsyncStorageLike,
  HermesGlobals,
  LinkingLike,
  NetInfoLike,
  NetInfoStateLike,
} from './types'

/** What `@pipit/sdk/react-native`'s `createTracker` takes besides the common options. */
export interface ReactNativeTrackerOptions extends TrackerOptions {
  /** `@react-native-async-storage/async-storage`'s default export, or a wrapper of the same shape. */
  storage: AsyncStorageLike
  /** react-native's `AppState`: send when the app goes to the background, resume in the foreground. */
  appState: AppStateLike
  /** `@react-native-community/netinfo`'s default export: hold events offline, send when back. */
  netInfo: NetInfoLike
  /** The app: name, version, build number, bundle id or package name (`context.app`). */
  app?: { name?: string; version?: string; build?: string; namespace?: string }
  /** `{ name: Platform.OS, version: Platform.Version }` (`context.os`). */
  os?: { name: string; version?: string | number }
  /** The device (`context.device`), e.g. from react-native-device-info or expo-device. */
  device?: { model?: string; manufacturer?: string; type?: string }
  /** `Dimensions.get('screen')` (`context.screen`). */
  screen?: { width: number; height: number }
  /** The user's locale; default: what `Intl` reports. */
  locale?: string
  /**
   * The URL the app was opened with (`Linking.getInitialURL()`, a promise is
   * fine, or an install referrer as a URL): its UTM parameters and click ids
   * become the first and last touch. Default: `linking.getInitialURL()`.
   */
  initialUrl?: string | null | Promise<string | null>
  /** react-native's `Linking`: deep links that arrive later become the last touch. */
  linking?: LinkingLike
  /**
   * Track `Application Opened` (`from_background` false at start, true back
   * from the background) and `Application Backgrounded`, with the app's
   * `version` and `build`, as Segment's and PostHog's mobile SDKs do (default false).
   */
  trackAppLifecycleEvents?: boolean
}

const noop = () => {}

/**
 * One key-value store and one event queue per injected storage, shared by
 * every tracker of the JavaScript context: a second `createTracker` on the
 * same AsyncStorage (Fast Refresh re-running the module that made the first)
 * sees the same cached values and the same in-memory claims, so the two never
 * send one event twice nor resend what the other delivered.
 */
const shared = new WeakMap<AsyncStorageLike, { store: KeyValueStore; queue?: Queue }>()
/** The send timeout: a request that hangs longer counts as a network failure and is retried. */
const TIMEOUT_MS = 30_000

/**
 * The React Native platform, from injected modules only. It touches no
 * browser API: storage is AsyncStorage (one key per queued event), lifecycle
 * signals come from AppState and NetInfo, and it uses only globals Hermes has
 * (`fetch`, timers; `crypto.getRandomValues` and `AbortController` when there).
 */
export function createReactNativePlatform(options: ReactNativeTrackerOptions): Platform {
  const g = globalThis as unknown as HermesGlobals
  const { storage, appState, netInfo, linking } = options
  let mine = shared.get(storage)
  if (!mine) shared.set(storage, (mine = { store: createAsyncStorageStore(storage) }))
  const own = mine
  let online = true

  const intl = (() => {
    try {
      return Intl.DateTimeFormat().resolvedOptions()
    } catch {
      return undefined
    }
  })()
  const os = options.os && {
    name: options.os.name,
    ...(options.os.version === undefined ? {} : { version: String(options.os.version) }),
  }
  const context: HostContext = {
    ...(options.app ? { app: options.app } : {}),
    ...(os ? { os } : {}),
    ...(options.device ? { device: options.device } : {}),
    ...(options.screen
      ? { screen: { width: options.screen.width, height: options.screen.height } }
      : {}),
    ...(options.locale || intl?.locale ? { locale: options.locale || intl?.locale } : {}),
    ...(intl?.timeZone ? { timezone: intl.timeZone } : {}),
  }

  const guard =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      try {
        fn(...args)
      } catch {
        // The SDK never throws into the app.
      }
    }

  return {
    storage: own.store,
    // The first tracker's limits hold for the queue.
    queue: (limits) => (own.queue ??= createEventQueue(storage, limits)),
    transport: {
      async send({ url, body }) {
        const abort = g.AbortController ? new g.AbortController() : undefined
        let timer: unknown
        // Settles even where nothing can abort the request: a hung send would hold every later one.
        const timeout = new Promise<never>((_, reject) => {
          timer = g.setTimeout(() => {
            abort?.abort()
            reject(new Error('timeout'))
          }, TIMEOUT_MS)
        })
        try {
          const res = await Promise.race([
            g.fetch(url, { method: 'POST', body, signal: abort?.signal }),
            timeout,
          ])
          const parsed: unknown = await Promise.race([res.json(), timeout]).catch(() => undefined)
          return { status: res.status, body: parsed, retryAfter: res.headers.get('retry-after') }
        } finally {
          g.clearTimeout(timer)
        }
      },
    },
    lifecycle: {
      // Nothing to send from memory when the app leaves: every event is on
      // storage before it is sent, and the background flush below sends it.
      onHide: () => noop,
      onResume(listener) {
        const resume = guard(listener)
        let state = appState.currentState
        // To the foreground: resume; to the background: send now, while the app may still run.
        const app = appState.addEventListener('change', (next) => {
          if (next === state) return
          state = next
          if (next === 'active' || next === 'background') resume()
        })
        const network = (s: NetInfoStateLike) => {
          const was = online
          // Only a known disconnection holds events; `null` (not known yet) does not.
          online = s?.isConnected !== false
          if (online && !was) resume()
        }
        const offNetwork = netInfo.addEventListener(guard(network))
        netInfo.fetch().then(guard(network), noop)
        return () => {
          app.remove()
          offNetwork()
        }
      },
      isOnline: () => online,
      onNavigate: () => noop,
      onLink(listener) {
        let live = true
        const open = guard((url: string | null | undefined) => live && url && listener(url))
        const initial =
          options.initialUrl !== undefined ? options.initialUrl : linking?.getInitialURL?.()
        // A string now (before any event), a promise when it settles.
        if (typeof initial === 'string') open(initial)
        else if (initial) initial.then(open, noop)
        const sub = linking?.addEventListener('url', (event) => open(event?.url))
        return () => {
          live = false
          sub?.remove()
        }
      },
    },
    clock: {
      now: () => Date.now(),
      setTimeout: (fn, ms) => g.setTimeout(fn, ms),
      clearTimeout: (handle) => g.clearTimeout(handle),
    },
    randomBytes(length) {
      const bytes = new Uint8Array(length)
      if (g.crypto?.getRandomValues) return g.crypto.getRandomValues(bytes)
      // Hermes has no crypto without a polyfill (react-native-get-random-values).
      // Ids only need to be unique, not secret: Math.random suffices.
      for (let i = 0; i < length; i++) bytes[i] = Math.floor(Math.random() * 256)
      return bytes
    },
    context: () => context,
    privacy: () => ({ doNotTrack: false, globalPrivacyControl: false }),
    log: (level, message, data) =>
      g.console?.[level]?.(message, ...(data === undefined ? [] : [data])),
  }
}
