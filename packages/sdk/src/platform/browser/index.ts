/// <reference lib="dom" />
import type { HostContext, Platform } from '../../core/platform'
import { createMemoryStore } from '../../core/platform'

/**
 * The browser platform. Every DOM access is guarded, so the same code runs
 * during server-side rendering and on Node (fetch and crypto are global in
 * Node 20): there it simply has no page context and no lifecycle signals.
 */
export function createBrowserPlatform(): Platform {
  const hasDocument = typeof document !== 'undefined'
  return {
    storage: createMemoryStore(),
    transport: {
      async send({ url, body, unloading }) {
        // text/plain keeps this a CORS "simple" request: no preflight round trip.
        const res = await fetch(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'text/plain' },
          keepalive: Boolean(unloading),
          credentials: 'omit',
        })
        let parsed: unknown
        try {
          parsed = await res.json()
        } catch {
          parsed = undefined
        }
        return { status: res.status, body: parsed, retryAfter: res.headers.get('retry-after') }
      },
    },
    lifecycle: {
      onHide(listener) {
        if (!hasDocument) return () => {}
        const onVisibility = () => document.visibilityState === 'hidden' && listener()
        document.addEventListener('visibilitychange', onVisibility)
        window.addEventListener('pagehide', listener)
        return () => {
          document.removeEventListener('visibilitychange', onVisibility)
          window.removeEventListener('pagehide', listener)
        }
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
  }
}
