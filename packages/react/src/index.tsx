import type { BannerOptions } from '@pipit/consent'
import { CONSENT_EVENT, createConsentBanner } from '@pipit/consent'
import type { Tracker, TrackerOptions } from '@pipit/sdk'
import { createTracker } from '@pipit/sdk'
import type { ReactNode } from 'react'
import { useContext, useEffect, useRef } from 'react'
import { PipitContext, usePipitValue } from './core'

export { useConsent, useExperiment, usePageViews, useTracker } from './core'
export { openConsentSettings } from '@pipit/consent'
export type { BannerOptions, ConsentChoice } from '@pipit/consent'
export type { Consent, Tracker, TrackerOptions } from '@pipit/sdk'

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
export function PipitProvider({ tracker, options, children }: PipitProviderProps) {
  const value = usePipitValue(tracker, options, createTracker)
  useEffect(() => {
    // A banner created outside React announces its choices on window.
    const onChoice = () => value.notify()
    window.addEventListener(CONSENT_EVENT, onChoice)
    return () => window.removeEventListener(CONSENT_EVENT, onChoice)
  }, [value])
  return <PipitContext.Provider value={value}>{children}</PipitContext.Provider>
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
