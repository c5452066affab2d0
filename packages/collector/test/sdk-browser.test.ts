import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import type { Tracker } from '@pipit/sdk'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserTestsEnabled, launchChromium } from '../../../test/browser'
import { tmpDb } from './helpers'
import { type CollectorProcess, startCollectorProcess } from './process'

// The SDK's delivery guarantees in a real browser: the built script-tag SDK
// (`/pipit.js`) on a page served by a real collector process, which stores
// into a real SQLite file that each test counts.

const PERSON_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

const artifacts = fileURLToPath(new URL('../../../test-results/', import.meta.url))

/** The test page: creates `window.pipit` with the options in `?opts=` (JSON). */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SDK test</title><link rel="icon" href="data:,"></head>
<body>
<script src="/pipit.js"></script>
<script>
  const opts = JSON.parse(new URLSearchParams(location.search).get('opts') || '{}')
  window.pipit = Pipit.createTracker({ writeKey: '{{PIPIT_WRITE_KEY}}', host: location.origin, ...opts })
</script>
</body></html>`

interface Row {
  message_id: string
  name: string | null
}

describe.skipIf(!browserTestsEnabled)('SDK delivery in Chromium', () => {
  let browser: Browser
  let collector: CollectorProcess
  let db: string
  let pageDir: string

  beforeAll(async () => {
    pageDir = mkdtempSync(join(tmpdir(), 'pipit-sdk-page-'))
    writeFileSync(join(pageDir, 'index.html'), PAGE)
    db = tmpDb()
    collector = await startCollectorProcess({ db, args: ['--example-dir', pageDir] })
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await collector?.stop()
    rmSync(pageDir, { recursive: true, force: true })
  })

  /** What the collector stored for events whose name or type starts with `prefix`. */
  function stored(prefix: string): Row[] {
    const file = new Database(db, { readonly: true })
    try {
      return file
        .prepare<[string], Row>(
          'SELECT message_id, name FROM events WHERE name LIKE ? ORDER BY timestamp, message_id',
        )
        .all(`${prefix}%`)
    } finally {
      file.close()
    }
  }

  const url = (opts: Record<string, unknown>) =>
    `${collector.url}/example/?opts=${encodeURIComponent(JSON.stringify(opts))}`

  /** Every batch request the context made, with the messageIds in it. */
  function recordBatches(context: BrowserContext): string[][] {
    const batches: string[][] = []
    context.on('request', (request) => {
      if (!request.url().endsWith('/v1/batch')) return
      const body = JSON.parse(request.postData() ?? '{}') as { batch?: { messageId: string }[] }
      batches.push((body.batch ?? []).map((m) => m.messageId))
    })
    return batches
  }

  /** The SDK's IndexedDB contents, or null when its database does not exist. */
  function idb(page: Page): Promise<Record<string, unknown> | null> {
    return page.evaluate(async () => {
      const dbs = await indexedDB.databases()
      if (!dbs.some((d) => d.name === 'pipit')) return null
      return new Promise<Record<string, unknown>>((resolve, reject) => {
        const open = indexedDB.open('pipit')
        open.onerror = () => reject(open.error ?? new Error('open failed'))
        open.onsuccess = () => {
          const out: Record<string, unknown> = {}
          const cursor = open.result.transaction('kv').objectStore('kv').openCursor()
          cursor.onsuccess = () => {
            const c = cursor.result
            if (!c) {
              open.result.close()
              return resolve(out)
            }
            out[c.key as string] = c.value
            c.continue()
          }
        }
      })
    })
  }

  const track = (page: Page, names: string[]) =>
    page.evaluate((list) => {
      for (const name of list) window.pipit.track(name)
    }, names)
  const names = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`)
  const queued = async (page: Page) =>
    ((await idb(page))?.['pipit:v1:queue'] as unknown[] | undefined)?.length ?? 0

  it('with consent pending sends nothing and stores nothing; grant replays, deny wipes', async () => {
    const context = await browser.newContext({ userAgent: PERSON_UA })
    const batches = recordBatches(context)
    const page = await context.newPage()
    await page.goto(url({ flushInterval: 200 }))
    await page.evaluate(() => window.pipit.page())
    await track(page, names('pending-', 3))
    await page.evaluate(() => window.pipit.flush())
    await page.waitForTimeout(1_000)

    expect(await page.evaluate(() => window.pipit.consent)).toBe('pending')
    expect(batches).toEqual([])
    expect(await idb(page)).toBeNull()
    expect(await page.evaluate(() => document.cookie)).toBe('')
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0)

    // Granted: the events held in memory go out.
    await page.evaluate(async () => {
      window.pipit.setConsent('granted')
      await window.pipit.flush()
    })
    await expect.poll(() => stored('pending-').length).toBe(3)
    expect(
      stored('pending-')
        .map((r) => r.name)
        .sort(),
    ).toEqual(names('pending-', 3))
    expect(await idb(page)).toMatchObject({ 'pipit:v1:consent': 'granted' })

    // Denied: queue and ids wiped, only the choice itself is kept, nothing more is sent.
    const before = batches.length
    await page.evaluate(async () => {
      window.pipit.setConsent('denied')
      await window.pipit.ready()
      window.pipit.track('pending-after-deny')
      await window.pipit.flush()
    })
    await page.waitForTimeout(500)
    expect(batches.length).toBe(before)
    expect(await idb(page)).toEqual({ 'pipit:v1:consent': 'denied' })

    // The choice survives a reload.
    await page.reload()
    const reloaded = await page.evaluate(async () => {
      await window.pipit.ready() // the stored choice is read asynchronously
      return window.pipit.consent
    })
    expect(reloaded).toBe('denied')
    await context.close()
    expect(stored('pending-')).toHaveLength(3)
  })

  it('keeps events tracked offline through a reload and delivers each once back online', async () => {
    const context = await browser.newContext({ userAgent: PERSON_UA })
    const batches = recordBatches(context)
    const page = await context.newPage()
    const opts = { consent: 'granted', flushInterval: 200 }
    await page.goto(url(opts))
    await context.setOffline(true)
    await track(page, names('offline-', 12))
    await page.evaluate(() => window.pipit.flush())
    await page.waitForTimeout(1_000)
    expect(await queued(page)).toBe(12)
    expect(stored('offline-')).toHaveLength(0)

    // Leave the page while offline, come back once online: a new page with a new tracker.
    await page.goto('about:blank')
    await context.setOffline(false)
    await page.goto(url(opts))
    // Another page's events are adopted once 30 s old, so a live tab never races for them.
    await expect.poll(() => stored('offline-').length, { timeout: 45_000 }).toBe(12)
    expect(
      stored('offline-')
        .map((r) => r.name)
        .sort(),
    ).toEqual(names('offline-', 12))
    await expect.poll(() => queued(page)).toBe(0)
    const sent = batches.flat()
    expect(new Set(sent).size).toBe(sent.length)
    await context.close()
  }, 60_000)

  it('sends the events waiting at tab close with keepalive; the next visit clears the queue', async () => {
    const context = await browser.newContext({ userAgent: PERSON_UA })
    const batches = recordBatches(context)
    const page = await context.newPage()
    const opts = { consent: 'granted', flushInterval: 60_000, maxBatchSize: 100 }
    await page.goto(url(opts))
    // The start-up send (of what earlier pages left) ends first: one still
    // running would take the new events too, and a tab closed mid-send leaves
    // them leased for 60 s instead of waiting for the keepalive batch.
    await page.evaluate(() => window.pipit.flush())
    await track(page, names('close-', 8))
    await page.evaluate(() => window.pipit.ready())
    expect(batches).toEqual([])
    // All 8 are in IndexedDB before the tab goes (written at track time; on a
    // busy machine the writes can still be committing here, and a next page
    // that looked before they landed would only find them at its next flush).
    await expect.poll(() => queued(page), { timeout: 10_000 }).toBe(8)
    const closed = page.waitForEvent('close')
    await page.close({ runBeforeUnload: true })
    await closed
    // The keepalive request outlives the page (the browser no longer reports it to the test).
    await expect.poll(() => stored('close-').length).toBe(8)

    // The next visit, more than 30 s later (the clock moved on), finds what the
    // closed tab could not mark as sent in time, and sends the rest. (The clock
    // is moved on the new page only: a context-wide script would also reach
    // the closing page and fail while it goes.)
    const next = await context.newPage()
    await next.addInitScript(() => {
      const now = Date.now.bind(Date)
      Date.now = () => now() + 31_000
    })
    await next.goto(url(opts))
    await expect.poll(() => queued(next), { timeout: 20_000 }).toBe(0)
    expect(
      stored('close-')
        .map((r) => r.name)
        .sort(),
    ).toEqual(names('close-', 8))
    const resent = batches.flat().length
    // The figures for the README and the closing note.
    mkdirSync(artifacts, { recursive: true })
    writeFileSync(
      join(artifacts, 'sdk-tab-close.json'),
      JSON.stringify({ tracked: 8, stored: 8, resentNextVisit: resent }),
    )
    await context.close()
    // Two page loads and polls of up to 20 s: vitest's default 5 s is too short on a busy machine.
  }, 45_000)

  it('loses nothing through a burst of 503 and 429 answers', async () => {
    const context = await browser.newContext({ userAgent: PERSON_UA })
    const answers = [503, 429, 503, 429]
    let failed = 0
    await context.route('**/v1/batch', async (route) => {
      const status = answers[failed]
      if (status === undefined) return route.continue()
      failed++
      return route.fulfill({
        status,
        headers: { 'retry-after': status === 429 ? '1' : '', 'content-type': 'application/json' },
        body: JSON.stringify({
          success: false,
          code: status === 429 ? 'rate_limited' : 'unavailable',
        }),
      })
    })
    const page = await context.newPage()
    await page.goto(url({ consent: 'granted', flushInterval: 200, maxBatchSize: 10 }))
    for (let i = 0; i < 3; i++) {
      await track(page, names(`burst-${i}-`, 10))
      await page.waitForTimeout(300)
    }
    await expect.poll(() => stored('burst-').length, { timeout: 40_000 }).toBe(30)
    expect(failed).toBe(answers.length)
    // Stored first, then answered: wait for the tab to settle the last answer.
    await expect.poll(() => page.evaluate(() => window.pipit.stats().sent)).toBe(30)
    const stats = await page.evaluate(() => window.pipit.stats())
    expect(stats).toMatchObject({ queued: 30, sent: 30 })
    expect(stats.retried).toBeGreaterThan(0)
    expect(Object.values(stats.dropped).every((n) => n === 0)).toBe(true)
    await context.close()
  }, 60_000)

  it('two tabs tracking at once share one queue and send no event twice', async () => {
    const context = await browser.newContext({ userAgent: PERSON_UA })
    const batches = recordBatches(context)
    const opts = { consent: 'granted', flushInterval: 100, maxBatchSize: 5 }
    const [a, b] = [await context.newPage(), await context.newPage()]
    await Promise.all([a.goto(url(opts)), b.goto(url(opts))])
    for (let round = 0; round < 10; round++) {
      await Promise.all([
        track(a, names(`tabs-a${round}-`, 4)),
        track(b, names(`tabs-b${round}-`, 4)),
      ])
      await a.waitForTimeout(50)
    }
    await expect.poll(() => stored('tabs-').length, { timeout: 20_000 }).toBe(80)
    await expect.poll(async () => (await queued(a)) + (await queued(b))).toBe(0)
    const sent = batches.flat()
    expect(sent).toHaveLength(80)
    expect(new Set(sent).size).toBe(80)
    await context.close()
  })
})

declare global {
  interface Window {
    pipit: Tracker
  }
}
