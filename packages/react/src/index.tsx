import type { BannerOptions } from '@pipit/consent'
import { CONSENT_EVENT, createConsentBanner } from '@pipit/consent'
import type { Consent, Tracker, TrackerOptions } from '@pipit/sdk'
import { createTracker, noopTracker } from '@pipit/sdk'
import type { ReactNode } from 'react'
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react'

export { openConsentSettings } from '@pipit/consent'
export type { BannerOptions, ConsentChoice } from '@pipit/consent'
export type { Consent, Tracker, TrackerOptions } from '@pipit/sdk'

interface PipitValue {
  tracker: Tracker
  /** True while a provider given `options` has not created its tracker yet (first render, SSR). */
  pending: boolean
  subscribe: (listener: () => void) => () => void
  notify: () => void
}

const nothing = noopTracker()
const PipitContext = createContext<PipitValue>({
  tracker: nothing,
  pending: false,
  subscribe: () => () => {},
  notify: () => {},
})

export interface PipitProviderProps {
  /** A tracker you created (client-side). */
  tracker?: Tracker
  /** Or options: the provider creates the tracker after mounting, never during a server render. */
  options?: TrackerOptions
  children?: ReactNode
}

/**
 * Makes a tracker available to the hooks below. With `options`, the tracker is
 * created once, in the browser, after the first render: server rendering and
 * hydration see a tracker that does nothing.
 *
 * @example
 * <PipitProvider options={{ writeKey: 'pk_…', host: 'https://stats.example.com' }}>
 *   <App />
 * </PipitProvider>
 */
export function PipitProvider({ tracker: given, options, children }: PipitProviderProps) {
  const [created, setCreated] = useState<Tracker>()
  const optionsRef = useRef(options)
  useEffect(() => {
    if (given || !optionsRef.current) return
    const tracker = createTracker(optionsRef.current)
    setCreated(tracker)
    return () => tracker.shutdown()
  }, [given])

  const tracker = given ?? created ?? nothing
  const pending = !given && !created && Boolean(options)
  const value = useMemo<PipitValue>(() => {
    const listeners = new Set<() => void>()
    return {
      tracker,
      pending,
      notify: () => listeners.forEach((listener) => listener()),
      subscribe: (listener) => {
        listeners.add(listener)
        return () => void listeners.delete(listener)
      },
    }
  }, [tracker, pending])

  useEffect(() => {
    let live = true
    // The stored consent is loaded asynchronously; the banner announces changes on window.
    void tracker.ready().then(() => live && value.notify())
    const onChoice = () => value.notify()
    window.addEventListener(CONSENT_EVENT, onChoice)
    return () => {
      live = false
      window.removeEventListener(CONSENT_EVENT, onChoice)
    }
  }, [tracker, value])

  return <PipitContext.Provider value={value}>{children}</PipitContext.Provider>
}

/** The provider's tracker; one that does nothing outside a provider or on the server. */
export function useTracker(): Tracker {
  return useContext(PipitContext).tracker
}

/**
 * The consent state and its setter; re-renders when it changes (from here,
 * from the banner, or once the stored choice is loaded).
 *
 * @example
 * const [consent, setConsent] = useConsent()
 */
export function useConsent(): [Consent, (consent: 'granted' | 'denied') => void] {
  const { tracker, pending, subscribe, notify } = useContext(PipitContext)
  const consent = useSyncExternalStore(
    subscribe,
    // Until a provider given `options` has created its tracker, consent is still unknown.
    () => (pending ? 'pending' : tracker.consent),
    () => 'pending' as const,
  )
  const set = useCallback(
    (next: 'granted' | 'denied') => {
      tracker.setConsent(next)
      notify()
    },
    [tracker, notify],
  )
  return [consent, set]
}

/**
 * The user's stable variant of an experiment. The first variant during server
 * rendering, before consent and until stored ids are loaded; then the
 * assigned one (the SDK tracks the exposure once per experiment and user).
 *
 * @example
 * const layout = useExperiment('pricing-layout', ['control', 'compact'])
 */
export function useExperiment<V>(
  experimentId: string,
  variants: readonly V[],
  weights?: readonly number[],
): V {
  const tracker = useTracker()
  const [consent] = useConsent()
  const [variant, setVariant] = useState<V>(variants[0]!)
  const args = useRef({ variants, weights })
  args.current = { variants, weights }
  useEffect(() => {
    let live = true
    void tracker.ready().then(() => {
      if (live)
        setVariant(tracker.getVariant(experimentId, args.current.variants, args.current.weights))
    })
    return () => {
      live = false
    }
  }, [tracker, consent, experimentId])
  return variant
}

/**
 * Tracks a page view whenever `location` changes (and on the first render),
 * never twice in a row for the same value, also under StrictMode.
 *
 * @example
 * // React Router
 * const { pathname, search } = useLocation()
 * usePageViews(pathname + search)
 */
export function usePageViews(location: string | undefined): void {
  const tracker = useTracker()
  const last = useRef<{ tracker: Tracker; location: string }>(undefined)
  useEffect(() => {
    if (location === undefined) return
    if (last.current?.tracker === tracker && last.current.location === location) return
    last.current = { tracker, location }
    tracker.page()
  }, [tracker, location])
}

/**
 * The consent banner of `@pipit/consent`, wired to the provider's tracker.
 * Options are read when it mounts. Renders nothing itself (the banner lives
 * in its own shadow root).
 *
 * @example
 * <ConsentBanner privacyPolicyUrl="/privacy" />
 */
export function ConsentBanner(props: Omit<BannerOptions, 'tracker'>): null {
  const { tracker, pending, notify } = useContext(PipitContext)
  const propsRef = useRef(props)
  useEffect(() => {
    if (pending) return
    const banner = createConsentBanner({
      ...propsRef.current,
      // Notify useConsent directly too: the banner applies a remembered choice as it mounts,
      // before the provider's window listener is (re)attached.
      tracker: {
        setConsent(state) {
          tracker.setConsent(state)
          notify()
        },
      },
    })
    return () => banner.destroy()
  }, [tracker, pending, notify])
  return null
}
