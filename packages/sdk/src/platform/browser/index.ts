/// <reference lib="dom" />
import type { HostContext, Platform } from '../../core/platform'
import { createBrowserStore } from './storage'

/** Bodies up to this size go with keepalive, so a send survives the page closing mid-flight. */
const KEEPALIVE_BYTES = 32_000
const noop = () => {}

/**
 * The browser platform. Every DOM access is guarded, so the same code runs
 * during server-side rendering and on Node (fetch and crypto are global in
 * Node 20): there it simply has no page context and no lifecycle signals.
 */
export function createBrowserPlatform(): Platform {
  const hasDocument = typeof document !== 'undefined'
  const guard = (listener: () => void) => () => {
    try {
      listener()
    } catch {
      // The SDK never throws into the page.
    }
  }
  const on = (target: EventTarget, type: string, listener: () => void) => {
    const safe = guard(listener)
    target.addEventListener(type, safe)
    return () => target.removeEventListener(type, safe)
  }
  return {
    storage: createBrowserStore(),
    transport: {
      async send({ url, body, unloading }) {
        let res: Response
        try {
          // A string body goes as text/plain;charset=UTF-8: a CORS "simple"
          // request, with no preflight round trip.
          res = await fetch(url, {
            method: 'POST',
            body,
            keepalive: Boolean(unloading) || body.length <= KEEPALIVE_BYTES,
            credentials: 'omit',
            signal: AbortSignal.timeout?.(30_000),
          })
        } catch (error) {
          // keepalive refused (over budget, or unsupported): the beacon is the last resort.
          if (unloading && typeof navigator !== 'undefined' && navigator.sendBeacon?.(url, body)) {
            return { status: 0 }
          }
          throw error
        }
        const parsed: unknown = await res.json().catch(() => undefined)
        return { status: res.status, body: parsed, retryAfter: res.headers.get('retry-after') }
      },
    },
    lifecycle: {
      onHide(listener) {
        if (!hasDocument) return noop
        const offs = [
          on(
            document,
            'visibilitychange',
            () => document.visibilityState === 'hidden' && listener(),
          ),
          on(window, 'pagehide', listener),
        ]
        return () => offs.forEach((off) => off())
      },
      onResume: (listener) => (hasDocument ? on(window, 'online', listener) : noop),
      isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false,
      onNavigate(listener) {
        if (!hasDocument) return noop
        const notify = guard(listener)
        const patch = (name: 'pushState' | 'replaceState') => {
          // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as is on shutdown
          const original = history[name]
          const patched = (...args: Parameters<History['pushState']>) => {
            original.apply(history, args)
            notify()
          }
          history[name] = patched
          // Restore only if nobody patched over us since.
          return () => history[name] === patched && (history[name] = original)
        }
        const offs = [patch('pushState'), patch('replaceState'), on(window, 'popstate', notify)]
        return () => offs.forEach((off) => off())
      },
    },
    clock: {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    },
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    context(): HostContext {
      if (!hasDocument) return {}
      return {
        page: {
          path: location.pathname,
          url: location.href,
          referrer: document.referrer,
          title: document.title,
          search: location.search,
        },
        userAgent: navigator.userAgent,
        locale: navigator.language,
        screen: { width: screen.width, height: screen.height },
        timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      }
    },
    privacy: () => {
      const nav = (typeof navigator === 'undefined' ? {} : navigator) as {
        doNotTrack?: string | null
        globalPrivacyControl?: boolean
      }
      return {
        doNotTrack: nav.doNotTrack === '1',
        globalPrivacyControl: nav.globalPrivacyControl === true,
      }
    },
    log: (level, message, data) => console[level](message, ...(data === undefined ? [] : [data])),
  }
}
