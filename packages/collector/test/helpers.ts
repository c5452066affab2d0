import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { createApp } from '../src/app'
import { type AppConfig, appConfig } from '../src/config'
import { createSiteWithKeys } from '../src/routes/sites'
import { createSqliteStore } from '../src/store/sqlite/index'
import type { StoreFactory } from '../src/store/conformance'
import type { EventStore } from '../src/store/types'

const dir = mkdtempSync(join(tmpdir(), 'pipit-test-'))
let n = 0
/** Stores opened by `testApp`: closed (stopping their worker threads) before the folder goes. */
const opened: EventStore[] = []
afterAll(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()))
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 })
})

/** A fresh SQLite file in a temp folder removed after the file's tests. */
export const tmpDb = () => join(dir, `t-${process.pid}-${++n}.db`)

export const ADMIN_KEY = 'test-admin-key-0123456789'

/**
 * A collector app with two sites (`s1`, Europe/Berlin; `s2`, UTC) and their
 * keys, on a real SQLite file unless `store` opens another store.
 */
export async function testApp(
  options: {
    now?: () => number
    maxRequestBytes?: number
    config?: Partial<AppConfig>
    store?: StoreFactory
  } = {},
) {
  const store = options.store
    ? await options.store()
    : createSqliteStore({ path: tmpDb(), synchronous: 'normal' })
  opened.push(store)
  const app = createApp({
    store,
    config: appConfig({
      adminKey: ADMIN_KEY,
      // Tests read stats right after storing events: wait for the pass however slow the machine.
      statsFreshnessMs: 60_000,
      // Tests query far more than a person would, often on a frozen clock; the read
      // limit has its own tests (src/routes/limits.test.ts) that turn it on.
      rateLimitRead: 0,
      ...(options.maxRequestBytes ? { maxRequestBytes: options.maxRequestBytes } : {}),
      ...options.config,
    }),
    ...(options.now ? { now: options.now } : {}),
  })
  const site = await createSiteWithKeys(store, { id: 's1', timezone: 'Europe/Berlin' }, 0)
  const other = await createSiteWithKeys(store, { id: 's2', timezone: 'UTC' }, 0)
  return { app, store, site, other }
}

let seq = 0
/** A valid Segment track message with a fresh messageId. */
export function trackMessage(overrides: Record<string, unknown> = {}) {
  return {
    type: 'track',
    event: 'Signed Up',
    messageId: `msg-${++seq}`,
    anonymousId: 'anon-1',
    timestamp: '2026-03-10T10:00:00.000Z',
    properties: { plan: 'pro' },
    ...overrides,
  }
}

export function postBatch(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  body: unknown,
  headers: Record<string, string> = {},
) {
  return app.request('/v1/batch', {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  })
}
