import { createTracker as createReactNativeTracker } from '../react-native'
import { createBrowserPlatform } from '../platform/browser/index'
import { describeTrackerBehaviour } from '../testing/behaviour'
import { fakeAppState, fakeNetInfo, memoryAsyncStorage } from '../testing/react-native'
import type { Lifecycle } from './platform'
import { createMemoryStore } from './platform'
import { ORPHAN_MS } from './queue'
import { createCore } from './tracker'

// One behaviour suite, two platforms, each with its own queue and transport.

describeTrackerBehaviour(
  'the browser (shared single-key queue with leases, fetch transport)',
  () => {
    // Node has no document: the browser platform's DOM signals are fired by hand here (the
    // Chromium tests cover the real ones). Its key-value store is the memory one: IndexedDB
    // answers in real time, not on the fake clock, and queue.test.ts runs the queue's contract
    // on both stores.
    const storage = createMemoryStore()
    let online = true
    const resume = new Set<() => void>()
    const lifecycle: Lifecycle = {
      onHide: () => () => {},
      onNavigate: () => () => {},
      onResume(fn) {
        resume.add(fn)
        return () => resume.delete(fn)
      },
      isOnline: () => online,
    }
    return {
      start: (options) => createCore(options, { ...createBrowserPlatform(), storage, lifecycle }),
      setOnline(value) {
        online = value
        if (value) resume.forEach((fn) => fn())
      },
      adoptAfterMs: ORPHAN_MS,
    }
  },
)

describeTrackerBehaviour('React Native (AsyncStorage, AppState, NetInfo)', () => {
  const disk = new Map<string, string>()
  const nets: ReturnType<typeof fakeNetInfo>[] = []
  return {
    start(options) {
      const net = fakeNetInfo()
      nets.push(net)
      return createReactNativeTracker({
        ...options,
        storage: memoryAsyncStorage(disk).storage,
        appState: fakeAppState().appState,
        netInfo: net.netInfo,
      })
    },
    setOnline: (value) => nets.forEach((net) => net.set(value)),
    adoptAfterMs: 0,
  }
})
