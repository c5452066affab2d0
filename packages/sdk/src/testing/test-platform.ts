import type { Message } from '@pipit/protocol'
import type {
  HostContext,
  KeyValueStore,
  Platform,
  TransportRequest,
  TransportResponse,
} from '../core/platform'
import { createMemoryStore } from '../core/platform'

export interface Sent extends TransportRequest {
  payload: { batch: Message[]; sentAt: string; writeKey: string }
}

/** Shared by every test platform, so two "tabs" never draw the same ids. */
let counter = 1

export type Answer = (req: Sent) => TransportResponse | Promise<TransportResponse>

/** 200 with per-event results, as the collector answers. */
export const ok: Answer = (req) => ({
  status: 200,
  body: { success: true, accepted: req.payload.batch.length, duplicates: 0, rejected: [] },
})

/**
 * A platform for unit tests: the transport records every request and answers
 * with `answers` in turn (then `ok`); lifecycle signals are fired by hand.
 * Timers are the global ones, so Vitest's fake timers drive them.
 */
export function testPlatform(
  options: {
    answers?: Answer[]
    storage?: KeyValueStore
    context?: HostContext
    privacy?: { doNotTrack?: boolean; globalPrivacyControl?: boolean }
  } = {},
) {
  const sent: Sent[] = []
  const answers = [...(options.answers ?? [])]
  const listeners = {
    hide: new Set<() => void>(),
    online: new Set<() => void>(),
    nav: new Set<() => void>(),
  }
  const logs: { level: string; message: string }[] = []
  let online = true
  let context: HostContext = options.context ?? {
    page: { path: '/p', url: 'https://x.test/p', referrer: '', title: 'P', search: '' },
  }
  const sub = (set: Set<() => void>) => (fn: () => void) => {
    set.add(fn)
    return () => set.delete(fn)
  }
  const platform: Platform = {
    storage: options.storage ?? createMemoryStore(),
    transport: {
      async send(req) {
        const rec = { ...req, payload: JSON.parse(req.body) as Sent['payload'] }
        sent.push(rec)
        return (answers.shift() ?? ok)(rec)
      },
    },
    lifecycle: {
      onHide: sub(listeners.hide),
      onResume: sub(listeners.online),
      onNavigate: sub(listeners.nav),
      isOnline: () => online,
    },
    clock: {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    },
    randomBytes: (n) => {
      // Distinct, deterministic bytes per call.
      const seed = counter++
      return Uint8Array.from({ length: n }, (_, i) =>
        i >= n - 4 ? (seed >> (8 * (n - 1 - i))) & 255 : (seed * 31 + i * 7) % 256,
      )
    },
    context: () => context,
    privacy: () => ({
      doNotTrack: options.privacy?.doNotTrack ?? false,
      globalPrivacyControl: options.privacy?.globalPrivacyControl ?? false,
    }),
    log: (level, message) => logs.push({ level, message }),
  }
  return {
    platform,
    sent,
    logs,
    /** Every message sent, in order. */
    messages: () => sent.flatMap((r) => r.payload.batch),
    hide: () => listeners.hide.forEach((fn) => fn()),
    setOnline(value: boolean) {
      online = value
      if (value) listeners.online.forEach((fn) => fn())
    },
    navigate(url: string) {
      const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0]!
      context = { page: { path, url, referrer: '', title: 'T', search: '' } }
      listeners.nav.forEach((fn) => fn())
    },
  }
}
