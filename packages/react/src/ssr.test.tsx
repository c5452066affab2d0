// @vitest-environment node
import { StrictMode, version } from 'react'
import { renderToString } from 'react-dom/server'
import { afterEach, beforeEach, expect, it } from 'vitest'
import {
  ConsentBanner,
  PipitProvider,
  useConsent,
  useExperiment,
  usePageViews,
  useTracker,
} from './index'

// Browser globals are absent here; any read of them during rendering is recorded.
const browser = ['window', 'document', 'navigator', 'location', 'localStorage', 'indexedDB']
let touched: string[] = []
beforeEach(() => {
  touched = []
  for (const name of browser) {
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get: () => void touched.push(name),
    })
  }
})
afterEach(() => {
  for (const name of browser) delete (globalThis as Record<string, unknown>)[name]
})

it(`renders on the server (React ${version}) without browser access or a tracker`, () => {
  const seen: unknown[] = []
  function App() {
    const tracker = useTracker()
    const [consent] = useConsent()
    const variant = useExperiment('pricing-layout', ['control', 'compact'], [0, 1])
    usePageViews('/pricing')
    tracker.track('rendered') // harmless: the server's tracker does nothing
    seen.push(tracker.getVariant('pricing-layout', ['control', 'compact'], [0, 1]))
    return (
      <p>
        {consent} {variant}
      </p>
    )
  }
  const html = renderToString(
    <StrictMode>
      <PipitProvider options={{ writeKey: 'pk_test', host: 'https://collector.test' }}>
        <App />
        <ConsentBanner privacyPolicyUrl="/privacy" />
      </PipitProvider>
    </StrictMode>,
  )
  expect(html).toBe('<p>pending<!-- --> <!-- -->control</p>')
  // A real tracker would have assigned 'compact' (weights [0, 1]): this one is the no-op.
  expect(seen.every((v) => v === 'control')).toBe(true)
  expect(touched).toEqual([])
})
