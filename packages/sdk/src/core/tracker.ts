import type { Message } from '@pipit/protocol'
import type { Attribution } from './attribution'
import { ATTRIBUTION_KEY, mergeTouches, touchFrom } from './attribution'
import { pickVariant } from './experiments'
import { uuidv4, uuidv7 } from './ids'
import type { Platform } from './platform'
import { createQueue } from './queue'
import type { DeliveryStats, DropReason } from './sender'
import { createSender, UNLOAD_BYTES } from './sender'
import type { Session } from './session'
import { isActive, SESSION_KEY, touchSession } from './session'
import type { Consent, EventMap, Properties, Tracker, TrackerOptions } from './types'

export const CONSENT_KEY = 'pipit:v1:consent'
export const USER_KEY = 'pipit:v1:user'
/** Events held in memory while consent is pending; older ones are dropped beyond this. */
export const MAX_HELD = 100
/** The exposure event `getVariant` tracks once per experiment and user. */
export const EXPOSURE_EVENT = 'Experiment Viewed'

const LIBRARY = { name: '@pipit/sdk', version: '0.1.0' }
const iso = (ms: number) => new Date(ms).toISOString()

interface User {
  anonymousId?: string
  userId?: string
  traits?: Properties
  /** `experimentId:unit` of the exposures tracked for this user, newest last. */
  exposed?: string[]
}

type Draft = Record<string, unknown> & { type: Message['type'] }

/**
 * The tracker on any platform: consent gate, identity, sessions, attribution
 * and experiments, in front of the durable queue and sender. Bad options log
 * one warning and give a tracker that does nothing; no method ever throws.
 */
export function createCore<E extends EventMap<E> = Record<string, Properties | undefined>>(
  options: TrackerOptions,
  platform: Platform,
): Tracker<E> {
  const problem =
    typeof options?.writeKey !== 'string' || !options.writeKey
      ? 'bad writeKey'
      : typeof options.host !== 'string' || !/^https?:\/\/[^/]/.test(options.host)
        ? 'bad host'
        : undefined
  if (problem) {
    platform.log('warn', `[pipit] ${problem}: tracking is off`)
    return noopTracker()
  }

  const { clock, storage } = platform
  const log = (message: string, data?: unknown) =>
    options.debug && platform.log('debug', `[pipit] ${message}`, data)
  const stats = zeroStats()
  const drop = (messages: Message[], reason: DropReason) => {
    if (messages.length === 0) return
    stats.dropped[reason] += messages.length
    log(`dropped: ${reason}`, messages)
    try {
      options.onDrop?.(messages, reason)
    } catch (error) {
      log('onDrop failed', error)
    }
  }
  const newId = () => uuidv4(platform.randomBytes(16))
  const sender = createSender({
    platform,
    queue: (platform.queue ?? ((limits) => createQueue(storage, limits)))({
      maxEvents: options.maxQueueEvents ?? 1_000,
      maxBytes: options.maxQueueBytes ?? 1_000_000,
    }),
    url: `${options.host.replace(/\/+$/, '')}/v1/batch`,
    writeKey: options.writeKey,
    owner: newId(),
    maxBatchSize: options.maxBatchSize ?? 20,
    maxBatchBytes: options.maxBatchBytes ?? UNLOAD_BYTES,
    flushInterval: options.flushInterval ?? 5_000,
    retryBudget: options.retryBudget ?? 15 * 60_000,
    stats,
    drop,
    log,
  })

  const signals = platform.privacy()
  const blocked =
    (options.honorDoNotTrack === true && signals.doNotTrack) ||
    (options.honorGlobalPrivacyControl !== false && signals.globalPrivacyControl)
  const chosen = options.consent === 'pending' ? undefined : options.consent
  let consent: Consent = blocked ? 'denied' : (chosen ?? 'pending')
  let decided = blocked || chosen !== undefined
  /** Consent granted and identity loaded: events go straight to the queue. */
  let open = false
  let stopped = false
  let user: User = {}
  let session: Session | undefined
  let held: Message[] = []
  let attribution: Attribution = {}
  let lastPage: string | undefined

  const storageFailed = (error: unknown) => log('storage failed', error)
  // Storage work runs one step at a time, in call order.
  let chain: Promise<unknown> = Promise.resolve()
  const step = (fn: () => unknown): void => {
    chain = chain.then(fn).catch(storageFailed)
  }

  async function grant(): Promise<void> {
    const candidate = newId()
    await storage.update<User>(USER_KEY, (stored) => {
      // Another tab may have granted first: share its anonymous id.
      user = {
        ...stored,
        ...user,
        anonymousId: stored?.anonymousId ?? user.anonymousId ?? candidate,
      }
      return user
    })
    await storage.set(CONSENT_KEY, 'granted')
    await storage.set(ATTRIBUTION_KEY, attribution)
    open = consent === 'granted'
    const replay = held
    held = []
    replay.forEach(admit)
    // Sends what earlier pages left in the queue.
    void sender.flush()
  }

  async function deny(): Promise<void> {
    open = false
    drop(held, 'consent')
    held = []
    user = {}
    session = undefined
    await sender.clear()
    for (const key of [USER_KEY, SESSION_KEY, ATTRIBUTION_KEY]) await storage.del(key)
    await storage.set(CONSENT_KEY, 'denied')
  }

  // Before the start-up step: its write step runs while nothing is granted yet, and writes nothing.
  const landing = platform.context().page
  if (landing) link(landing.url, landing.referrer)
  step(async () => {
    const stored = await storage.get<Consent>(CONSENT_KEY)
    if (!decided && stored) consent = stored
    if (consent === 'denied')
      return stored && stored !== 'denied' ? deny() : drop(held.splice(0), 'consent')
    if (consent !== 'granted') return
    user = { ...(await storage.get<User>(USER_KEY)), ...user }
    session = await storage.get<Session>(SESSION_KEY)
    // What arrived before this read (the landing page, a deep link) is this visit's touch.
    attribution = mergeTouches(
      await storage.get(ATTRIBUTION_KEY),
      attribution.last,
      attribution.first?.landing,
    )
    await grant()
  })

  /** Stamps identity, session and attribution on an event and queues it. */
  function admit(draft: Message): void {
    const at = Date.parse(draft.timestamp ?? '') || clock.now()
    const { session: current, started } = touchSession(session, at)
    session = current
    void storage
      .update<Session>(SESSION_KEY, (stored) => {
        // Another tab runs a session already: join it from the next event on.
        session = isActive(stored, at) && stored.id !== current.id ? stored : current
        return { id: session.id, last: Math.max(session.last, at) }
      })
      .catch(storageFailed)
    const m = { ...draft, anonymousId: user.anonymousId } as Message
    if (user.userId) m.userId ??= user.userId
    m.context = {
      ...m.context,
      session: { id: current.id, start: iso(current.id), isNew: started },
      // Absent ones stay undefined: JSON leaves them out.
      campaign: attribution.last,
      firstTouch: attribution.first,
      traits: user.traits,
    }
    let out: Message | null | undefined | false = m
    try {
      out = options.beforeSend ? options.beforeSend(m) : m
    } catch (error) {
      log('beforeSend failed', error)
    }
    if (!out) return drop([m], 'filtered')
    sender.enqueue(out)
  }

  function record(draft: Draft): void {
    if (stopped) return
    const now = clock.now()
    const m = {
      ...draft,
      messageId: uuidv7(now, platform.randomBytes(16)),
      timestamp: iso(now),
      context: { library: LIBRARY, ...platform.context() },
    } as Message
    if (consent === 'denied') return drop([m], 'consent')
    if (open) return admit(m)
    held.push(m)
    if (held.length > MAX_HELD) drop(held.splice(0, 1), 'consent')
  }

  function page(name?: string, properties?: Properties): void {
    const current = platform.context().page
    lastPage = current?.url
    record({ type: 'page', ...(name ? { name } : {}), properties: { ...current, ...properties } })
  }

  /** A landing page or deep link: the last touch when it carries campaign data, the first if none yet. */
  function link(url: string, referrer = ''): void {
    attribution = mergeTouches(attribution, touchFrom(url, referrer), url)
    step(() => open && storage.set(ATTRIBUTION_KEY, attribution))
  }

  const safe =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A): void => {
      try {
        fn(...args)
      } catch (error) {
        log('call failed', error)
      }
    }

  const saveUser = () => step(() => open && storage.set(USER_KEY, user))
  const unsubscribe = [
    platform.lifecycle.onHide(() => sender.hide()),
    options.autoPageviews
      ? platform.lifecycle.onNavigate(() => {
          if (platform.context().page?.url !== lastPage) page()
        })
      : undefined,
    platform.lifecycle.onLink?.(safe(link)),
  ]
  if (options.autoPageviews) page()

  return {
    track: safe((event: string, properties?: Properties) =>
      record({ type: 'track', event, properties: { ...properties } }),
    ),
    page: safe(page),
    screen: safe((name: string, properties?: Properties) =>
      record({ type: 'screen', name, properties: { ...properties } }),
    ),
    identify: safe((userId: string, traits?: Properties) => {
      const same = user.userId === userId
      user = { ...user, userId, traits: { ...(same ? user.traits : {}), ...traits } }
      saveUser()
      record({ type: 'identify', userId, traits: { ...traits } })
    }),
    reset: safe(() => {
      user = open ? { anonymousId: newId() } : {}
      session = undefined
      saveUser()
      step(() => storage.del(SESSION_KEY))
    }),
    get consent() {
      return consent
    },
    setConsent: safe((next: 'granted' | 'denied') => {
      if (next !== 'granted' && next !== 'denied') return
      if (blocked && next === 'granted') return log('denied by DNT/GPC')
      if (next === consent && decided) return
      decided = true
      consent = next
      step(next === 'granted' ? grant : deny)
    }),
    getVariant<V>(experimentId: string, variants: readonly V[], weights?: readonly number[]): V {
      try {
        const unit = user.userId ?? user.anonymousId
        if (!open || !unit || variants.length < 2) return variants[0]!
        const variant = pickVariant(experimentId, unit, variants, weights)
        const key = `${experimentId}:${unit}`
        if (!user.exposed?.includes(key)) {
          user = { ...user, exposed: [...(user.exposed ?? []), key].slice(-200) }
          saveUser()
          record({
            type: 'track',
            event: EXPOSURE_EVENT,
            properties: { experiment_id: experimentId, variant },
          })
        }
        return variant
      } catch (error) {
        log('call failed', error)
        return variants[0]!
      }
    },
    ready: () => chain.then(() => {}),
    // Neither rejects: steps catch their errors, and so does the sender's flush.
    flush: () => chain.then((): unknown => open && sender.flush()).then(() => {}),
    stats: () => ({ ...stats, dropped: { ...stats.dropped } }),
    shutdown: safe(() => {
      stopped = true
      sender.stop()
      unsubscribe.forEach((off) => off?.())
    }),
  } as Tracker<E>
}

const zeroStats = (): DeliveryStats => ({
  queued: 0,
  sent: 0,
  retried: 0,
  dropped: { consent: 0, filtered: 0, evicted: 0, rejected: 0, too_large: 0 },
})

/** The tracker bad options give: every method is safe to call and does nothing. */
export function noopTracker<E extends EventMap<E>>(): Tracker<E> {
  const nothing = () => {}
  const done = () => Promise.resolve()
  return {
    track: nothing,
    page: nothing,
    screen: nothing,
    identify: nothing,
    reset: nothing,
    setConsent: nothing,
    shutdown: nothing,
    consent: 'denied',
    getVariant: <V>(_: string, variants: readonly V[]) => variants[0]!,
    ready: done,
    flush: done,
    stats: zeroStats,
  }
}
