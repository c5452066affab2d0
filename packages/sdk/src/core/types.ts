import type { Message } from '@pipit/protocol'
import type { DeliveryStats, DropReason } from './sender'

export type Properties = Record<string, unknown>

/** `pending`: nothing stored or sent; `granted`: tracking; `denied`: nothing, and what was stored is wiped. */
export type Consent = 'pending' | 'granted' | 'denied'

/**
 * A map of event names to their properties, to type `track()`:
 * `createTracker<{ 'Signed Up': { plan: 'free' | 'pro' }; 'Logged Out': undefined }>(...)`.
 */
export type EventMap<E = Record<string, Properties | undefined>> = {
  [K in keyof E]: Properties | undefined
}

export interface TrackerOptions {
  /** The site's public write key. */
  writeKey: string
  /** The collector's origin, e.g. `https://stats.example.com`. */
  host: string
  /**
   * The consent to start with. `pending` (default) uses what this browser
   * chose before, if anything; `granted` or `denied` decide now (for apps
   * that manage consent themselves).
   */
  consent?: Consent
  /** Treat `navigator.doNotTrack === '1'` as consent denied (default false). */
  honorDoNotTrack?: boolean
  /** Treat Global Privacy Control as consent denied (default true). */
  honorGlobalPrivacyControl?: boolean
  /** Track a page view now and on every SPA navigation to a new URL (default false). */
  autoPageviews?: boolean
  /** Send when this many events are waiting; also the most per request (default 20). */
  maxBatchSize?: number
  /** The most JSON characters per request (default 32 000, half the keepalive budget). */
  maxBatchBytes?: number
  /** Send at most this long after an event was tracked, ms (default 5000). */
  flushInterval?: number
  /** The most events the durable queue keeps; the oldest are evicted first (default 1000). */
  maxQueueEvents?: number
  /** The most JSON characters the durable queue keeps (default 1 000 000). */
  maxQueueBytes?: number
  /** Stop retrying on its own after failing this long, ms (default 15 min). */
  retryBudget?: number
  /** Edits an event before it is queued; return null or false to drop it. */
  beforeSend?: (message: Message) => Message | null | undefined | false
  /** Called with events given up for good, and why. */
  onDrop?: (messages: Message[], reason: DropReason) => void
  /** Log what the SDK does with `console.debug` (default false). */
  debug?: boolean
}

export interface Tracker<E extends EventMap<E> = Record<string, Properties | undefined>> {
  /** Records a custom event. */
  track<K extends keyof E & string>(event: K, properties?: E[K]): void
  /** Records a page view of the current page; name and properties are optional. */
  page(name?: string, properties?: Properties): void
  /**
   * Records a view of an app screen (a Segment `screen` message), counted as
   * a page view of that screen.
   *
   * @example
   * pipit.screen('Checkout', { step: 2 })
   */
  screen(name: string, properties?: Properties): void
  /** Ties this browser's events to a user id from now on, and records the traits. */
  identify(userId: string, traits?: Properties): void
  /** Logout: forgets the user id and traits, takes a new anonymous id and a new session. */
  reset(): void
  /** Records the user's choice, for this browser, across reloads. */
  setConsent(consent: 'granted' | 'denied'): void
  /** The current consent state. */
  readonly consent: Consent
  /**
   * The stable variant of an experiment for this user (or anonymous id), with
   * optional relative weights; tracks `Experiment Viewed` once per experiment
   * and user. Before consent or before `ready()`, returns the first variant
   * and tracks nothing.
   */
  getVariant<V>(experimentId: string, variants: readonly V[], weights?: readonly number[]): V
  /** Resolves once stored consent and ids are loaded. */
  ready(): Promise<void>
  /** Sends everything waiting; resolves when the collector has answered (or sending must wait). */
  flush(): Promise<void>
  /** Delivery counters of this tracker. */
  stats(): DeliveryStats
  /** Stops timers and listeners; events still waiting stay queued for the next page. */
  shutdown(): void
}
