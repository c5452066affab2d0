/**
 * The dashboard in real Chromium against a real collector process seeded
 * through the ingest API (test/dashboard-data.ts). Every number the test
 * reads off the page is checked against the stats API asked directly with the
 * same key; CSV exports are compared byte for byte with the API's CSV.
 * Screenshots of every view at desktop and phone width, light and dark, go to
 * test-results/dashboard/ (and, with PIPIT_DOCS_SCREENSHOTS=1, the README's to
 * docs/screenshots/).
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserTestsEnabled, launchChromium } from '../../../test/browser'
import { COUNTRY_HEADER, seedDashboard } from './dashboard-data'
import { tmpDb } from './helpers'
import { type CollectorProcess, startCollectorProcess } from './process'

const ADMIN = 'dashboard-test-admin-key-0123456789'
const TZ = 'America/New_York'
const artifacts = fileURLToPath(new URL('../../../test-results/dashboard/', import.meta.url))
const docs = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url))
const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
)
const DESKTOP = { width: 1280, height: 900 }
const PHONE = { width: 390, height: 844 }

/** The local day `offset` days from today in the site's zone, computed here (not by the dashboard). */
function day(offset: number) {
  const today = new Date().toLocaleDateString('sv-SE', { timeZone: TZ })
  return new Date(Date.parse(`${today}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10)
}

describe.skipIf(!browserTestsEnabled)('dashboard in Chromium', () => {
  let browser: Browser
  let collector: CollectorProcess
  let readKey: string

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true })
    collector = await startCollectorProcess({
      db: tmpDb(),
      env: {
        PIPIT_ADMIN_KEY: ADMIN,
        PIPIT_RATE_LIMIT_SITE: '0',
        PIPIT_RATE_LIMIT_CLIENT: '0',
        PIPIT_COUNTRY_HEADER: COUNTRY_HEADER,
      },
    })
    const [seeded, launched] = await Promise.all([
      seedDashboard(collector.url, ADMIN),
      launchChromium(),
    ])
    readKey = seeded.readKey
    browser = launched
    expect(seeded.events).toBeGreaterThan(3000)
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await collector?.stop()
  })

  /** The stats API, asked directly with the read key. */
  async function api<T = Record<string, unknown>>(
    path: string,
    params: Record<string, string | number | string[]> = {},
    init: { body?: unknown; csv?: boolean } = {},
  ): Promise<T> {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(params))
      for (const x of Array.isArray(v) ? v : [v]) q.append(k, String(x))
    if (init.csv) q.set('format', 'csv')
    const res = await fetch(`${collector.url}${path}?${q}`, {
      method: init.body ? 'POST' : 'GET',
      headers: {
        authorization: `Bearer ${readKey}`,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    })
    expect(res.status, `${path} ${await res.clone().text()}`).toBe(200)
    return (init.csv ? await res.text() : await res.json()) as T
  }

  /** A page that records console errors, page errors, failed requests and every URL it visits. */
  async function openPage(context: BrowserContext) {
    const page = await context.newPage()
    const problems: string[] = []
    const urls: string[] = []
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`))
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('requestfailed', (r) => {
      // Requests the dashboard aborted itself (a newer one replaced them) are not failures.
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`failed: ${r.url()}`)
    })
    page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()}: ${r.url()}`))
    page.on('request', (r) => urls.push(r.url()))
    page.on('framenavigated', (f) => urls.push(f.url()))
    return { page, problems, urls }
  }

  async function signIn(page: Page, key = readKey) {
    await page.goto(`${collector.url}/`)
    await page.getByLabel('Read key').fill(key)
    await page.getByRole('button', { name: 'Sign in' }).click()
  }

  const kpi = (page: Page, name: string) =>
    page.locator(`[data-kpi="${name}"] .value`).getAttribute('data-value', { timeout: 15_000 })

  /** Rows of a breakdown panel as `[value, visitors]`. */
  const rows = (page: Page, panel: string) =>
    page
      .locator(`[data-panel="${panel}"] tbody tr`)
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-value'),
          Number(tr.querySelector('[data-metric="visitors"]')!.textContent.replace(/\D/g, '')),
        ]),
      )

  /** Waits until no panel is loading. */
  const settled = (page: Page) =>
    expect
      .poll(() => page.locator('[aria-busy="true"], .skeleton').count(), { timeout: 15_000 })
      .toBe(0)

  /** Nothing is wider than the screen (tables scroll inside their panels); names what sticks out. */
  async function expectFits(page: Page, width: number) {
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth),
      await page.evaluate(() =>
        Array.from(document.querySelectorAll('body *'))
          .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
          .slice(0, 6)
          .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
          .join(' | '),
      ),
    ).toBeLessThanOrEqual(width)
  }

  async function axe(page: Page) {
    // Evaluated over CDP, which the page's Content-Security-Policy does not restrict; once per page.
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource)
    const result = await page.evaluate(() =>
      (
        window as unknown as {
          axe: {
            run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }>
          }
        }
      ).axe.run(),
    )
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`)
  }

  it('signs in, changes the range, filters by a row, builds a funnel, opens retention and experiments, exports CSV', async () => {
    const context = await browser.newContext({ viewport: DESKTOP })
    const { page, problems, urls } = await openPage(context)
    await signIn(page)

    // Default range: the last 30 days, the KPI cards match the overview.
    const base = { site: 'shop', from: day(-29), to: day(0) }
    const o30 = await api<Record<string, number>>('/v1/stats/overview', base)
    await expect.poll(() => kpi(page, 'visitors')).toBe(String(o30.visitors))
    for (const k of ['visits', 'pageviews', 'bounceRate', 'visitDuration'])
      expect(await kpi(page, k)).toBe(String(o30[k]))
    expect(o30.visitors).toBeGreaterThan(100)
    await settled(page)
    await expect
      .poll(() => page.getByTestId('realtime').locator('strong').getAttribute('data-value'))
      .toBe(
        String((await api<{ visitors: number }>('/v1/stats/realtime', { site: 'shop' })).visitors),
      )

    // Last 7 days: other numbers, still the API's.
    await page.getByLabel('Date range').selectOption('7d')
    const week = { site: 'shop', from: day(-6), to: day(0) }
    const o7 = await api<Record<string, number>>('/v1/stats/overview', week)
    expect(o7.visitors).not.toBe(o30.visitors)
    await expect.poll(() => kpi(page, 'visitors')).toBe(String(o7.visitors))
    expect(await kpi(page, 'pageviews')).toBe(String(o7.pageviews))
    expect(page.url()).toContain('range=7d')
    await page.getByLabel('Date range').selectOption('30d')
    await expect.poll(() => kpi(page, 'visitors')).toBe(String(o30.visitors))

    // A click on a country row filters every panel; the chip removes it again.
    await settled(page)
    const countries = await api<{ results: { value: string }[] }>('/v1/stats/breakdown', {
      ...base,
      dimension: 'country',
      limit: 10,
    })
    expect(await rows(page, 'countries')).toEqual(
      countries.results.map((r) => [r.value, (r as unknown as { visitors: number }).visitors]),
    )
    await page.locator('[data-panel="countries"] tr[data-value="DE"] button').click()
    await page.locator('[data-filter="country:is:DE"]').waitFor({ timeout: 10_000 })
    expect(new URL(page.url()).searchParams.getAll('filter')).toEqual(['country:is:DE'])
    const filtered = { ...base, filter: 'country:is:DE' }
    const oDE = await api<Record<string, number>>('/v1/stats/overview', filtered)
    expect(oDE.visitors).toBeLessThan(o30.visitors!)
    await expect.poll(() => kpi(page, 'visitors')).toBe(String(oDE.visitors))
    expect(await kpi(page, 'pageviews')).toBe(String(oDE.pageviews))
    const pagesDE = await api<{ results: { value: string; visitors: number }[] }>(
      '/v1/stats/breakdown',
      { ...filtered, dimension: 'page', limit: 10 },
    )
    await expect
      .poll(() => rows(page, 'pages'))
      .toEqual(pagesDE.results.map((r) => [r.value, r.visitors]))
    await page.getByRole('button', { name: 'Remove filter Country is DE' }).click()
    await expect.poll(() => kpi(page, 'visitors')).toBe(String(o30.visitors))
    expect(new URL(page.url()).searchParams.getAll('filter')).toEqual([])

    // CSV export of the sources panel (channels) equals the API's CSV.
    await settled(page)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export channels as CSV' }).click(),
    ])
    const csv = readFileSync(await download.path(), 'utf8')
    const expected = await api<string>(
      '/v1/stats/breakdown',
      { ...base, dimension: 'channel', limit: 1000 },
      { csv: true },
    )
    expect(csv).toBe(expected)
    expect(csv.split('\n')[0]).toContain('value,visitors,visits')
    expect(download.suggestedFilename()).toBe(`pipit-shop-channel-${base.from}-to-${base.to}.csv`)

    // A two-step funnel, checked against POST /v1/stats/funnel.
    await page.getByRole('link', { name: 'Funnels' }).click()
    await page.getByLabel('Step 1 page path').fill('/')
    await page.getByLabel('Step 2 kind').selectOption('event')
    await page.getByLabel('Step 2 event name').fill('Signup')
    await page.getByRole('button', { name: 'Show funnel' }).click()
    const funnel = await api<{ steps: { visitors: number; dropOff: number }[] }>(
      '/v1/stats/funnel',
      {},
      {
        body: { ...base, steps: [{ page: '/' }, { event: 'Signup' }], windowMs: 7 * 86_400_000 },
      },
    )
    expect(funnel.steps[1]!.visitors).toBeGreaterThan(0)
    const funnelCells = () =>
      page
        .locator('[data-testid="funnel-table"] tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) =>
            ['visitors', 'dropOff'].map((m) =>
              Number(tr.querySelector(`[data-metric="${m}"]`)!.textContent.replace(/\D/g, '')),
            ),
          ),
        )
    await expect.poll(funnelCells).toEqual(funnel.steps.map((s) => [s.visitors, s.dropOff]))
    expect(new URL(page.url()).searchParams.getAll('step')).toEqual(['page:/', 'event:Signup'])
    // The URL is the view: a reload (the key stays in session storage) shows the same funnel.
    await page.reload()
    await expect.poll(funnelCells).toEqual(funnel.steps.map((s) => [s.visitors, s.dropOff]))

    // Retention: the cohorts of the range.
    await page.getByRole('link', { name: 'Retention' }).click()
    const retention = await api<{ cohorts: { cohort: string; visitors: number }[] }>(
      '/v1/stats/retention',
      { ...base, period: 'week', periods: 8 },
    )
    expect(retention.cohorts.length).toBeGreaterThan(2)
    await expect
      .poll(() =>
        page
          .locator('[data-testid="retention-table"] tbody tr')
          .evaluateAll((trs) =>
            trs.map((tr) => [
              tr.getAttribute('data-cohort'),
              Number(tr.querySelector('td')!.textContent.replace(/\D/g, '')),
            ]),
          ),
      )
      .toEqual(retention.cohorts.map((c) => [c.cohort, c.visitors]))

    // Experiments: pricing-test with the Signup goal, as the API computes it.
    await page.getByRole('link', { name: 'Experiments' }).click()
    const experiment = await api<{
      variants: { name: string; exposed: number; conversions: number }[]
      verdict: string
    }>('/v1/stats/experiments/pricing-test', { ...base, goal: 'event:Signup' })
    expect(experiment.variants.map((v) => v.name)).toEqual(['control', 'treatment'])
    await expect
      .poll(() =>
        page
          .locator('[data-testid="experiment-table"] tbody tr')
          .evaluateAll((trs) =>
            trs.map((tr) => [
              tr.getAttribute('data-variant'),
              ...['exposed', 'conversions'].map((m) =>
                Number(tr.querySelector(`[data-metric="${m}"]`)!.textContent.replace(/\D/g, '')),
              ),
            ]),
          ),
      )
      .toEqual(experiment.variants.map((v) => [v.name, v.exposed, v.conversions]))
    expect(await page.locator('[data-verdict]').getAttribute('data-verdict')).toBe(
      experiment.verdict,
    )

    // The theme toggle overrides the system preference (applied by an effect
    // after the click's render, so polled).
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme)
    await page.getByTestId('theme-toggle').click()
    await expect.poll(theme).toBe('dark')
    await page.getByTestId('theme-toggle').click()
    await expect.poll(theme).toBe('light')

    // The key never travelled in a URL, and nothing failed on the way.
    expect(urls.length).toBeGreaterThan(20)
    expect(urls.filter((u) => u.includes(readKey) || u.includes('sk_read_'))).toEqual([])
    expect(await page.evaluate(() => location.href)).not.toContain(readKey)
    expect(problems).toEqual([])
    await context.close()
  }, 60_000)

  it('is served built: index.html no-cache with a CSP, hashed assets immutable, both precompressed', async () => {
    const index = await fetch(`${collector.url}/`, { headers: { 'accept-encoding': 'br' } })
    expect(index.status).toBe(200)
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(index.headers.get('content-encoding')).toBe('br')
    expect(index.headers.get('cache-control')).toBe('no-cache')
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'")
    const html = await index.text()
    const assets = [...html.matchAll(/\/assets\/app-[A-Z0-9]{8}\.(?:js|css)/g)].map((m) => m[0])
    expect(assets).toHaveLength(2)
    for (const path of assets) {
      const res = await fetch(`${collector.url}${path}`, { headers: { 'accept-encoding': 'gzip' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(
        path.endsWith('.js') ? /^text\/javascript/ : /^text\/css/,
      )
      expect(res.headers.get('content-encoding')).toBe('gzip')
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      expect((await res.text()).length).toBeGreaterThan(1000)
    }
    expect((await fetch(`${collector.url}/assets/app-NOPE0000.js`)).status).toBe(404)
  })

  it('refuses a wrong key with a plain message; a key reaching several sites gets a site picker; an empty site shows the SDK snippet', async () => {
    const context = await browser.newContext({ viewport: DESKTOP })
    const page = await context.newPage()
    await signIn(page, 'sk_read_wrong')
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('unknown or revoked key')
    expect(await page.locator('[data-kpi]').count()).toBe(0)
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)

    // The instance admin key reaches both sites: the picker switches between them.
    await page.getByLabel('Read key').fill(ADMIN)
    await page.getByRole('button', { name: 'Sign in' }).click()
    const picker = page.getByLabel('Site', { exact: true })
    await expect
      .poll(() => picker.locator('option').allTextContents())
      .toEqual(['Demo site', 'Shop'])
    // The first site (the demo, without data yet) says how to install the SDK.
    await page.locator('[data-empty="install"]').waitFor()
    expect(await page.locator('[data-empty="install"] pre').textContent()).toContain(
      `${collector.url}/pipit.js`,
    )
    await picker.selectOption('shop')
    expect(new URL(page.url()).searchParams.get('site')).toBe('shop')
    await expect.poll(() => kpi(page, 'visitors')).not.toBe('0')
    await context.close()
  }, 30_000)

  it('has no serious axe violation and keeps screenshots of every view, light and dark, desktop and phone', async () => {
    const views = [
      ['overview', 'Overview'],
      ['funnels', 'Funnels'],
      ['retention', 'Retention'],
      ['experiments', 'Experiments'],
    ] as const
    const violations: string[] = []
    const context = await browser.newContext({ viewport: DESKTOP })
    const { page, problems } = await openPage(context)
    await signIn(page)
    // The key is kept (session storage) once the sign-in's sites request answers: wait for the
    // dashboard before leaving the page, or a slow answer (busy CI) reloads into the sign-in form.
    await page.getByRole('link', { name: 'Overview' }).waitFor()
    // A shared link: a three-step funnel, opened after signing in.
    await page.goto(
      `${collector.url}/?site=shop&step=page%3A%2F&step=page%3A%2Fpricing&step=event%3ASignup`,
    )
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await expect
        .poll(() => page.evaluate(() => document.documentElement.dataset.theme))
        .toBe(scheme)
      for (const [device, viewport] of [
        ['desktop', DESKTOP],
        ['phone', PHONE],
      ] as const) {
        await page.setViewportSize(viewport)
        for (const [view, label] of views) {
          await page.getByRole('link', { name: label }).click()
          await page.locator(`main[data-view="${view}"]`).waitFor()
          await settled(page)
          if (view === 'funnels') await page.locator('[data-testid="funnel-table"]').waitFor()
          if (view === 'experiments') await page.locator('[data-verdict]').waitFor()
          await expectFits(page, viewport.width)
          await page.screenshot({
            path: `${artifacts}${view}-${device}-${scheme}.png`,
            fullPage: true,
          })
          // axe on every view, light and dark (at desktop width: the phone layout has the same DOM).
          if (device === 'desktop')
            violations.push(...(await axe(page)).map((v) => `${view} ${device} ${scheme}: ${v}`))
          if (process.env.PIPIT_DOCS_SCREENSHOTS === '1') {
            mkdirSync(docs, { recursive: true })
            const name =
              view === 'overview' && (device === 'desktop' || scheme === 'light')
                ? `dashboard-${device}-${scheme}`
                : view === 'funnels' && device === 'desktop' && scheme === 'light'
                  ? 'dashboard-funnel'
                  : undefined
            if (name) await page.screenshot({ path: `${docs}${name}.png` })
          }
        }
      }
    }
    // The narrowest phones (360 px) fit too.
    await page.setViewportSize({ width: 360, height: 740 })
    for (const [view, label] of views) {
      await page.getByRole('link', { name: label }).click()
      await page.locator(`main[data-view="${view}"]`).waitFor()
      await settled(page)
      await expectFits(page, 360)
    }
    expect(violations).toEqual([])
    expect(problems).toEqual([])
    await context.close()
  }, 60_000)
})
