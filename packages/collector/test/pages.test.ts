import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserTestsEnabled, launchChromium } from '../../../test/browser'
import { tmpDb } from './helpers'
import { type CollectorProcess, firstStartKeys, startCollectorProcess } from './process'

const PERSON_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const artifacts = fileURLToPath(new URL('../../../test-results/', import.meta.url))
const exampleDir = fileURLToPath(new URL('../../../examples/browser', import.meta.url))

describe.skipIf(!browserTestsEnabled)('example page and dashboard in Chromium', () => {
  let browser: Browser
  let collector: CollectorProcess
  let db: string
  let readKey: string

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true })
    db = tmpDb()
    collector = await startCollectorProcess({ db, args: ['--example-dir', exampleDir] })
    readKey = firstStartKeys(db).readKey
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await collector?.stop()
  })

  it('tracks a page view and a click from the example page, and the dashboard shows them', async () => {
    // Headless Chromium says "HeadlessChrome", which the collector rightly counts as a bot;
    // this test plays a person, so it browses with a regular Chrome user agent.
    const page = await browser.newPage({
      viewport: { width: 1000, height: 700 },
      userAgent: PERSON_UA,
    })
    const problems: string[] = []
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
    page.on('pageerror', (e) => problems.push(e.message))

    await page.goto(`${collector.url}/example/`)
    await page.getByRole('button', { name: 'Accept all' }).click()
    await page.getByText('Page view sent.').waitFor()
    await page.getByRole('button', { name: 'Track "Signup Clicked"' }).click()
    await page.getByText('Event "Signup Clicked" sent.').waitFor()
    await page.screenshot({ path: `${artifacts}example-page.png` })

    const file = new Database(db, { readonly: true })
    const rows = file
      .prepare('SELECT type, name, path, browser, flags FROM events ORDER BY timestamp')
      .all()
    file.close()
    expect(rows).toEqual([
      { type: 'page', name: null, path: '/example/', browser: 'Chrome', flags: 0 },
      { type: 'track', name: 'Signup Clicked', path: '/example/', browser: 'Chrome', flags: 0 },
    ])

    await page.goto(`${collector.url}/`)
    await page.getByLabel('Read key', { exact: true }).fill(readKey)
    await page.getByRole('button', { name: 'Sign in' }).click()
    const kpi = (name: string) =>
      page.locator(`[data-kpi="${name}"] .value`).getAttribute('data-value')
    await expect.poll(() => kpi('pageviews')).toBe('1')
    expect(await kpi('visitors')).toBe('1')
    const event = page.locator('[data-panel="events"] tr[data-value="Signup Clicked"] td')
    await expect.poll(() => event.allTextContents()).toEqual(['Signup Clicked', '1', '1'])
    expect(page.url()).not.toContain(readKey)
    await page.screenshot({ path: `${artifacts}dashboard.png` })

    // Still signed in after a reload: the key lives in session storage.
    await page.reload()
    await expect.poll(() => event.allTextContents()).toEqual(['Signup Clicked', '1', '1'])
    expect(problems).toEqual([])
  }, 30_000)

  it('refuses a wrong key with a visible message', async () => {
    const page = await browser.newPage()
    await page.goto(`${collector.url}/`)
    await page.getByLabel('Read key', { exact: true }).fill('sk_read_wrong')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('unknown or revoked key')
    expect(await page.locator('[data-kpi]').count()).toBe(0)
  })
})
