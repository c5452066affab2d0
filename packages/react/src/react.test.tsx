import { CONSENT_EVENT, STORAGE_KEY } from '@pipit/consent'
import type { Tracker } from '@pipit/sdk'
import { createCore, createMemoryStore, EXPOSURE_EVENT } from '@pipit/sdk'
import { act, cleanup, render, screen } from '@testing-library/react'
import { StrictMode, version } from 'react'
import { renderToString } from 'react-dom/server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testPlatform } from '../../sdk/src/testing/test-platform'
import {
  ConsentBanner,
  PipitProvider,
  useConsent,
  useExperiment,
  usePageViews,
  useTracker,
} from './index'

const options = { writeKey: 'pk_test', host: 'https://collector.test' }

/** A real SDK tracker on the recording test platform. */
function tracker(
  extra: Partial<Parameters<typeof createCore>[0]> = {},
  storage = createMemoryStore(),
) {
  const t = testPlatform({ storage })
  const created: Tracker = createCore({ ...options, ...extra }, t.platform)
  return { t, tracker: created }
}
const events = (t: ReturnType<typeof testPlatform>) =>
  t.messages().map((m) => (m.type === 'track' ? m.event : m.type))

function ConsentView() {
  const [consent, setConsent] = useConsent()
  return (
    <>
      <p data-testid="consent">{consent}</p>
      <button onClick={() => setConsent('granted')}>grant</button>
    </>
  )
}

describe(`@pipit/react on React ${version}`, () => {
  beforeEach(() => localStorage.clear())
  afterEach(() => cleanup())

  it('runs on the React version of its test project', () => {
    const project = (globalThis as { __vitest_worker__?: { ctx?: { projectName?: string } } })
      .__vitest_worker__?.ctx?.projectName
    expect(version.split('.')[0]).toBe(project === 'react18' ? '18' : '19')
  })

  it('gives the provider’s tracker, and a no-op one outside a provider', async () => {
    const { t, tracker: given } = tracker({ consent: 'granted' })
    function Track() {
      const tr = useTracker()
      tr.track('rendered')
      return null
    }
    render(<Track />)
    render(
      <PipitProvider tracker={given}>
        <Track />
      </PipitProvider>,
    )
    await given.flush()
    expect(events(t)).toEqual(['rendered'])
  })

  it('re-renders useConsent on its setter, on the stored choice loading, and on the banner', async () => {
    const storage = createMemoryStore()
    await storage.set('pipit:v1:consent', 'granted')
    const { tracker: stored } = tracker({}, storage)
    render(
      <PipitProvider tracker={stored}>
        <ConsentView />
      </PipitProvider>,
    )
    await act(() => stored.ready())
    expect(screen.getByTestId('consent').textContent).toBe('granted')
    cleanup()

    const { tracker: fresh } = tracker()
    render(
      <PipitProvider tracker={fresh}>
        <ConsentView />
      </PipitProvider>,
    )
    expect(screen.getByTestId('consent').textContent).toBe('pending')
    act(() => screen.getByText('grant').click())
    expect(screen.getByTestId('consent').textContent).toBe('granted')
    act(() => {
      fresh.setConsent('denied') // as the banner does...
      window.dispatchEvent(new CustomEvent(CONSENT_EVENT)) // ...and announces
    })
    expect(screen.getByTestId('consent').textContent).toBe('denied')
  })

  it('returns the first variant until consent, then the stable one, with one exposure', async () => {
    const { t, tracker: tr } = tracker()
    const seen: string[] = []
    function Pricing() {
      const v = useExperiment('pricing', ['control', 'compact'], [0, 1])
      seen.push(v)
      return <p data-testid="variant">{v}</p>
    }
    const { rerender } = render(
      <PipitProvider tracker={tr}>
        <Pricing />
      </PipitProvider>,
    )
    await act(() => tr.ready())
    expect(screen.getByTestId('variant').textContent).toBe('control')
    await act(async () => {
      tr.setConsent('granted')
      await tr.ready()
      window.dispatchEvent(new CustomEvent(CONSENT_EVENT))
    })
    await act(() => tr.ready())
    expect(screen.getByTestId('variant').textContent).toBe('compact')
    rerender(
      <PipitProvider tracker={tr}>
        <Pricing />
      </PipitProvider>,
    )
    await act(() => tr.flush())
    expect(events(t).filter((e) => e === EXPOSURE_EVENT)).toHaveLength(1)
    expect(seen[0]).toBe('control')
  })

  it('tracks one page view per distinct location, also under StrictMode', async () => {
    const { t, tracker: tr } = tracker({ consent: 'granted' })
    function Page({ at }: { at: string }) {
      usePageViews(at)
      return null
    }
    const view = (at: string) => (
      <StrictMode>
        <PipitProvider tracker={tr}>
          <Page at={at} />
        </PipitProvider>
      </StrictMode>
    )
    const { rerender } = render(view('/a'))
    rerender(view('/a'))
    rerender(view('/b'))
    rerender(view('/a'))
    await tr.flush()
    expect(events(t)).toEqual(['page', 'page', 'page'])
  })

  it('hydrates server markup without a mismatch, then shows consent and the variant', async () => {
    function App() {
      const [consent] = useConsent()
      const variant = useExperiment('pricing', ['control', 'compact'], [0, 1])
      return (
        <p data-testid="app">
          {consent} {variant}
        </p>
      )
    }
    const container = document.createElement('div')
    container.innerHTML = renderToString(
      <PipitProvider options={options}>
        <App />
      </PipitProvider>,
    )
    document.body.append(container)
    expect(container.textContent).toBe('pending control')
    const { t, tracker: tr } = tracker({ consent: 'granted' })
    await tr.ready()
    // A mismatch would be reported through console.error, which fails the test.
    render(
      <PipitProvider tracker={tr}>
        <App />
      </PipitProvider>,
      { container, hydrate: true },
    )
    await act(() => tr.ready())
    expect(screen.getByTestId('app').textContent).toBe('granted compact')
    await tr.flush()
    expect(events(t)).toEqual([EXPOSURE_EVENT])
  })

  it('reads consent as pending, never denied, until the provider has created its tracker', async () => {
    const seen: string[] = []
    function Seen() {
      seen.push(useConsent()[0])
      return null
    }
    render(
      <PipitProvider options={options}>
        <Seen />
      </PipitProvider>,
    )
    await act(() => new Promise((resolve) => setTimeout(resolve, 10)))
    expect(seen.length).toBeGreaterThan(1)
    expect(new Set(seen)).toEqual(new Set(['pending']))
  })

  it('shows the choice the banner remembered as soon as it mounts', () => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ analytics: true, marketing: false, at: 1 }))
    const { tracker: tr } = tracker()
    render(
      <PipitProvider tracker={tr}>
        <ConsentView />
        <ConsentBanner />
      </PipitProvider>,
    )
    expect(tr.consent).toBe('granted')
    expect(screen.getByTestId('consent').textContent).toBe('granted')
  })

  it('creates its tracker from options after mounting and mounts the banner, removed on unmount', () => {
    const { unmount } = render(
      <PipitProvider options={{ ...options, host: 'https://collector.test' }}>
        <ConsentBanner lang="de" />
        <ConsentView />
      </PipitProvider>,
    )
    const host = document.querySelector('[data-pipit-consent]')
    expect(host).not.toBeNull()
    const accept = host!.shadowRoot!.querySelector<HTMLButtonElement>('[data-a=accept]')!
    expect(accept.textContent).toBe('Alle akzeptieren')
    act(() => accept.click())
    expect(localStorage.getItem(STORAGE_KEY)).toContain('"analytics":true')
    expect(screen.getByTestId('consent').textContent).toBe('granted')
    unmount()
    expect(document.querySelector('[data-pipit-consent]')).toBeNull()
  })
})
