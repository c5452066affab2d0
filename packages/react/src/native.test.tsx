// @vitest-environment node
import type { Message } from '@pipit/protocol'
import type { ReactNativeTrackerOptions } from '@pipit/sdk/react-native'
import { build } from 'esbuild'
import { useEffect } from 'react'
import { act, create } from 'react-test-renderer'
import type { ReactTestInstance, ReactTestRenderer } from 'react-test-renderer'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  fakeAppState,
  fakeCollector,
  fakeNetInfo,
  memoryAsyncStorage,
} from '../../sdk/src/testing/react-native'
import type { NavigationRefLike, RouteLike } from './native'
import { PipitProvider, useConsent, useExperiment, useScreenTracking, useTracker } from './native'

// @pipit/react as a React Native app uses it: rendered by react-test-renderer under Node,
// where there is no window and no document, against the React Native SDK with in-memory
// AsyncStorage, AppState and NetInfo.

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true
// What React Native's own Jest preset sets: react-test-renderer is its renderer, not deprecated there.
;(globalThis as { IS_REACT_NATIVE_TEST_ENVIRONMENT?: boolean }).IS_REACT_NATIVE_TEST_ENVIRONMENT =
  true

let collector: ReturnType<typeof fakeCollector>
let renderer: ReactTestRenderer | undefined

beforeEach(() => {
  vi.useFakeTimers()
  collector = fakeCollector()
  vi.stubGlobal('fetch', collector.fetch)
})
afterEach(async () => {
  await act(() => renderer?.unmount())
  renderer = undefined
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

function rnOptions(extra: Partial<ReactNativeTrackerOptions> = {}) {
  const app = fakeAppState()
  const options: ReactNativeTrackerOptions = {
    writeKey: 'pk_test',
    host: 'https://collector.test',
    storage: memoryAsyncStorage().storage,
    appState: app.appState,
    netInfo: fakeNetInfo().netInfo,
    ...extra,
  }
  return { options, app }
}

const tick = (ms: number) =>
  act(async () => {
    await vi.advanceTimersByTimeAsync(ms)
  })

async function render(element: React.ReactElement) {
  await act(() => {
    renderer = create(element)
  })
  // Let the provider create its tracker and load the stored consent.
  await tick(0)
}

/** Calls a host element's callback prop, as a native tap would. */
const press = (element: ReactTestInstance, prop: string) =>
  act(() => {
    ;(element.props as Record<string, () => void>)[prop]!()
  })
const text = () => JSON.stringify(renderer!.toJSON())
const names = () =>
  collector.requests
    .flatMap((r) => r.batch)
    .map((m: Message) => (m.type === 'track' ? m.event : (m.name ?? m.type)))

/** A navigation container ref whose current route the test moves. */
function fakeNavigation(initial: RouteLike) {
  let route: RouteLike | undefined = initial
  const ref: NavigationRefLike = { getCurrentRoute: () => route, isReady: () => true }
  return { ref, go: (next: RouteLike) => (route = next) }
}

/** The app's own consent prompt: React Native gets state and actions, not the web banner. */
function ConsentPrompt() {
  const [consent, setConsent] = useConsent()
  return consent === 'pending' ? (
    <prompt onAllow={() => setConsent('granted')} onDeny={() => setConsent('denied')} />
  ) : (
    <status value={consent} />
  )
}

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      prompt: { onAllow: () => void; onDeny: () => void }
      status: { value: string }
      variant: { value: string }
    }
  }
}

describe('@pipit/react/native', () => {
  it('runs with no DOM at all', () => {
    expect([typeof window, typeof document]).toEqual(['undefined', 'undefined'])
  })

  it('creates the tracker from options after mounting, drives a custom consent prompt, and shuts it down on unmount', async () => {
    const { options, app } = rnOptions()
    function Tap() {
      const pipit = useTracker()
      return <prompt onAllow={() => pipit.track('Tapped')} onDeny={() => {}} />
    }
    await render(
      <PipitProvider options={options}>
        <ConsentPrompt />
        <Tap />
      </PipitProvider>,
    )
    const [prompt, tap] = renderer!.root.findAllByType('prompt')
    expect(app.listeners.size).toBe(1)
    await press(tap!, 'onAllow')
    await press(prompt!, 'onAllow')
    expect(text()).toContain('"value":"granted"')
    await tick(5_000)
    expect(names()).toEqual(['Tapped'])

    await act(() => renderer!.unmount())
    renderer = undefined
    expect(app.listeners.size).toBe(0)
  })

  it('tracks a screen view for the first screen and for each new focused route, once, with useScreenTracking', async () => {
    const { options } = rnOptions({ consent: 'granted' })
    const nav = fakeNavigation({ key: 'home-1', name: 'Home' })
    let handlers: { onReady: () => void; onStateChange: () => void } | undefined
    function Navigation() {
      handlers = useScreenTracking(nav.ref, {
        properties: (route) =>
          route.name === 'Product' ? { id: (route.params as { id: string }).id } : undefined,
      })
      // NavigationContainer calls onReady from its own mount effect: before the provider's
      // effect has created the tracker.
      useEffect(() => handlers!.onReady(), [])
      return null
    }
    await render(
      <PipitProvider options={options}>
        <Navigation />
      </PipitProvider>,
    )
    const move = async (route: RouteLike) => {
      nav.go(route)
      await act(() => handlers!.onStateChange())
    }
    await move({ key: 'product-1', name: 'Product', params: { id: 'p1' } })
    await move({ key: 'product-1', name: 'Product', params: { id: 'p1', tab: 'reviews' } }) // setParams
    await move({ key: 'product-2', name: 'Product', params: { id: 'p2' } }) // pushed again
    await act(() => handlers!.onStateChange()) // a state change elsewhere
    await tick(5_000)

    const screens = collector.requests.flatMap((r) => r.batch)
    expect(
      screens.map((m) => [
        m.type,
        (m as { name?: string }).name,
        (m as { properties?: object }).properties,
      ]),
    ).toEqual([
      ['screen', 'Home', {}],
      ['screen', 'Product', { id: 'p1' }],
      ['screen', 'Product', { id: 'p2' }],
    ])
  })

  it('gives the first variant before consent, then the stable one with one exposure', async () => {
    const { options } = rnOptions()
    function Experiment() {
      return <variant value={useExperiment('onboarding', ['control', 'short'])} />
    }
    await render(
      <PipitProvider options={options}>
        <ConsentPrompt />
        <Experiment />
      </PipitProvider>,
    )
    expect(renderer!.root.findByType('variant').props.value).toBe('control')
    await press(renderer!.root.findByType('prompt'), 'onAllow')
    await tick(0)
    const assigned = renderer!.root.findByType('variant').props.value as string
    await tick(5_000)
    expect(names()).toEqual(['Experiment Viewed'])
    expect(collector.requests[0]!.batch[0]).toMatchObject({
      properties: { experiment_id: 'onboarding', variant: assigned },
    })
  })

  it('bundles without DOM code, the consent banner, the browser SDK or react-native', async () => {
    const result = await build({
      entryPoints: [new URL('./native.tsx', import.meta.url).pathname],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      conditions: ['source'],
      external: ['react', 'react/jsx-runtime'],
      logLevel: 'silent',
    })
    const inputs = Object.keys(result.metafile.inputs)
    expect(
      inputs.filter(
        (p) =>
          /consent|platform\/browser|idb-keyval|react-native\//.test(p) &&
          !/platform\/react-native\//.test(p),
      ),
    ).toEqual([])
    expect(result.outputFiles[0]!.text).not.toMatch(
      /\b(window|document)\.|from ["']react-native["']/,
    )
  })
})
