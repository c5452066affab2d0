import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserTestsEnabled, launchChromium } from '../../../test/browser'
import { tmpDb } from './helpers'
import { type CollectorProcess, startCollectorProcess } from './process'

// The consent banner on the example page (`npm start`'s /example/), with the
// real SDK and a real collector: what a visitor sees and what gets stored.

const PERSON_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const artifacts = fileURLToPath(new URL('../../../test-results/', import.meta.url))
const exampleDir = fileURLToPath(new URL('../../../examples/browser', import.meta.url))
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

describe.skipIf(!browserTestsEnabled)('consent banner in Chromium', () => {
  let browser: Browser
  let collector: CollectorProcess
  let db: string

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true })
    db = tmpDb()
    collector = await startCollectorProcess({ db, args: ['--example-dir', exampleDir] })
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await collector?.stop()
  })

  const rowCount = () => {
    const file = new Database(db, { readonly: true })
    try {
      return (file.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n
    } finally {
      file.close()
    }
  }

  async function open(options: Parameters<Browser['newContext']>[0] = {}) {
    const context = await browser.newContext({ userAgent: PERSON_UA, ...options })
    const batches: string[] = []
    context.on('request', (r) => r.url().endsWith('/v1/batch') && batches.push(r.url()))
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
    await page.goto(`${collector.url}/example/`)
    return { context, page, batches, problems }
  }

  /** Names of IndexedDB databases and localStorage keys the page has. */
  const storage = (page: Page) =>
    page.evaluate(async () => ({
      idb: (await indexedDB.databases()).map((d) => d.name),
      local: Object.keys(localStorage),
    }))

  const banner = (page: Page) => page.getByRole('region', { name: 'Your privacy' })

  async function axe(page: Page) {
    await page.addScriptTag({ path: axePath })
    return page.evaluate(async () => {
      const result = await (
        window as unknown as {
          axe: { run(): Promise<{ violations: { id: string; nodes: unknown[] }[] }> }
        }
      ).axe.run()
      return result.violations.map((v) => `${v.id} (${v.nodes.length})`)
    })
  }

  it('shows the banner on a first visit and sends and stores nothing before a choice', async () => {
    const { context, page, batches, problems } = await open()
    await expect(banner(page).isVisible()).resolves.toBe(true)
    // The banner floats over the page: it shifts nothing under it.
    const shift = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let total = 0
          new PerformanceObserver((list) => {
            for (const e of list.getEntries() as unknown as {
              value: number
              hadRecentInput: boolean
            }[])
              if (!e.hadRecentInput) total += e.value
          }).observe({ type: 'layout-shift', buffered: true })
          setTimeout(() => resolve(total), 300)
        }),
    )
    expect(shift).toBeLessThan(0.001) // Chrome's "good" is < 0.1
    await page.getByRole('button', { name: 'Track "Signup Clicked"' }).click()
    await page.getByText('Not sent: no consent.').waitFor()
    await page.waitForTimeout(500)
    expect(batches).toEqual([])
    expect(await storage(page)).toEqual({ idb: [], local: [] })
    expect(await axe(page)).toEqual([])
    expect(problems).toEqual([])
    await context.close()
  })

  it('rejects with the keyboard alone: nothing sent, only the choice stored; it survives a reload', async () => {
    const before = rowCount()
    const { context, page, batches } = await open()
    await page.keyboard.press('Tab') // the banner comes first in the tab order
    expect(
      await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.textContent),
    ).toBe('Reject all')
    await page.keyboard.press('Enter')
    await page.getByText('Tracking off.').waitFor()
    expect(await banner(page).isVisible()).toBe(false)
    await page.getByRole('button', { name: 'Track "Signup Clicked"' }).click()
    await page.getByText('Not sent: no consent.').waitFor()
    await page.waitForTimeout(500)
    expect(batches).toEqual([])
    // The choice itself, and nothing else: no ids, no queue.
    const kept = await page.evaluate(
      () =>
        new Promise<string[]>((resolve) => {
          const req = indexedDB.open('pipit')
          req.onsuccess = () => {
            const keys = req.result.transaction('kv').objectStore('kv').getAllKeys()
            keys.onsuccess = () => resolve(keys.result.map(String))
          }
        }),
    )
    expect(kept).toEqual(['pipit:v1:consent'])
    expect((await storage(page)).local).toEqual(['pipit:v1:consent-choice'])

    await page.reload()
    await page.getByRole('button', { name: 'Privacy settings' }).first().waitFor()
    expect(await banner(page).isVisible()).toBe(false)
    await page.waitForTimeout(500)
    expect(batches).toEqual([])
    expect(rowCount()).toBe(before)

    // Re-opened and accepted: tracking starts at once.
    await page.locator('#privacy').click()
    await expect(banner(page).isVisible()).resolves.toBe(true)
    expect(await axe(page)).toEqual([]) // the settings layer, too
    await page.getByRole('button', { name: 'Accept all' }).click()
    await page.getByRole('button', { name: 'Track "Signup Clicked"' }).click()
    await page.getByText('Event "Signup Clicked" sent.').waitFor()
    expect(rowCount()).toBeGreaterThan(before)
    await context.close()
  })

  it('accepts with the keyboard alone, sends the held page view, and remembers it', async () => {
    const before = rowCount()
    const { context, page } = await open()
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await page.getByText('Page view sent.').waitFor()
    expect(rowCount()).toBe(before + 1)
    await page.reload()
    await expect.poll(() => rowCount()).toBe(before + 2) // this load's page view, no banner
    expect(await banner(page).isVisible()).toBe(false)
    await context.close()
  })

  it('looks right in light and dark, English and German (screenshots), with no axe violation', async () => {
    for (const [lang, scheme] of [
      ['en', 'light'],
      ['en', 'dark'],
      ['de', 'light'],
      ['de', 'dark'],
    ] as const) {
      const context: BrowserContext = await browser.newContext({
        userAgent: PERSON_UA,
        colorScheme: scheme,
        viewport: { width: 900, height: 600 },
      })
      await context.route('**/example/', async (route) => {
        const response = await route.fetch()
        const body = (await response.text()).replace('<html lang="en">', `<html lang="${lang}">`)
        await route.fulfill({ response, body })
      })
      const page = await context.newPage()
      await page.goto(`${collector.url}/example/`)
      const name = lang === 'de' ? 'Ihre Privatsphäre' : 'Your privacy'
      await page.getByRole('region', { name }).waitFor()
      await page.emulateMedia({ reducedMotion: 'reduce' })
      await page.screenshot({ path: `${artifacts}consent-${lang}-${scheme}.png` })
      await page
        .getByRole('button', { name: lang === 'de' ? 'Einstellungen' : 'Settings', exact: true })
        .click()
      await page.screenshot({ path: `${artifacts}consent-${lang}-${scheme}-settings.png` })
      expect(await axe(page)).toEqual([])
      await context.close()
    }
  }, 60_000)
})
