import { useEffect, useLayoutEffect, useMemo, useState } from 'preact/hooks'
import {
  cachedSites,
  clearKey,
  getJson,
  getKey,
  setKey,
  setUnauthorizedHandler,
  sitesOf,
  type Realtime,
  type Site,
} from './api'
import { DashboardContext, useCtx, type Ctx } from './context'
import { dayIn, describeRange, previousOf, RANGES, rangeOf, type RangeKey } from './dates'
import { ExperimentsTab } from './experiments'
import { fmtInt } from './format'
import { FunnelTab } from './funnel'
import { OverviewTab } from './overview'
import { RetentionTab } from './retention'
import {
  describeFilter,
  filterToParam,
  parseView,
  serializeView,
  TABS,
  type Filter,
  type Tab,
  type View,
} from './state'
import { Skeleton } from './ui'

const THEME_STORAGE = 'pipit:v1:dashboard-theme'
type Theme = 'light' | 'dark'

function useTheme(): [Theme, () => void] {
  const media = matchMedia('(prefers-color-scheme: dark)')
  const stored = localStorage.getItem(THEME_STORAGE)
  const [chosen, setChosen] = useState<Theme | null>(
    stored === 'light' || stored === 'dark' ? stored : null,
  )
  const [system, setSystem] = useState<Theme>(media.matches ? 'dark' : 'light')
  useEffect(() => {
    const on = () => setSystem(media.matches ? 'dark' : 'light')
    media.addEventListener('change', on)
    return () => media.removeEventListener('change', on)
  }, [])
  const theme = chosen ?? system
  useEffect(() => {
    document.documentElement.dataset.theme = theme
  }, [theme])
  const toggle = () => {
    const next = theme === 'dark' ? 'light' : 'dark'
    localStorage.setItem(THEME_STORAGE, next)
    setChosen(next)
  }
  return [theme, toggle]
}

/** The view in the URL's query string, with history entries for every change. */
function useView(): [View, Ctx['navigate']] {
  const [view, setView] = useState(() => parseView(location.search))
  useEffect(() => {
    const on = () => setView(parseView(location.search))
    addEventListener('popstate', on)
    return () => removeEventListener('popstate', on)
  }, [])
  const navigate: Ctx['navigate'] = (patch, options) => {
    setView((current) => {
      const next = { ...current, ...patch }
      const url = `${location.pathname}?${serializeView(next)}`
      if (options?.replace) history.replaceState(null, '', url)
      else history.pushState(null, '', url)
      return next
    })
  }
  return [view, navigate]
}

export function App() {
  const [theme, toggleTheme] = useTheme()
  const [signedIn, setSignedIn] = useState(getKey() !== null)
  const [sites, setSites] = useState<Site[] | undefined>(() =>
    getKey() ? cachedSites() : undefined,
  )
  const [error, setError] = useState<string>()

  const signOut = (message?: string) => {
    clearKey()
    setSites(undefined)
    setSignedIn(false)
    setError(message)
  }
  useLayoutEffect(() => {
    setUnauthorizedHandler((e) => signOut(`Signed out: ${e.message}`))
    const key = getKey()
    if (key) {
      sitesOf(key).then(setSites, (e: Error) =>
        // A network error keeps the key (try again); a refused key is dropped.
        (e as { status?: number }).status === 0 ? setError(e.message) : signOut(e.message),
      )
    }
  }, [])

  const signIn = async (key: string) => {
    setError(undefined)
    try {
      const found = await sitesOf(key)
      setKey(key)
      setSites(found)
      setSignedIn(true)
    } catch (e) {
      setError((e as Error).message)
    }
  }

  if (!signedIn)
    return <SignIn onSignIn={signIn} error={error} theme={theme} toggleTheme={toggleTheme} />
  if (!sites)
    return (
      <main class="app">
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : (
          <Skeleton lines={4} />
        )}
      </main>
    )
  if (sites.length === 0)
    return (
      <main class="app">
        <p class="error" role="alert">
          This key reaches no site.
        </p>
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </main>
    )
  return (
    <Dashboard sites={sites} theme={theme} toggleTheme={toggleTheme} signOut={() => signOut()} />
  )
}

function ThemeToggle({ theme, toggle }: { theme: Theme; toggle: () => void }) {
  return (
    <button
      type="button"
      class="small"
      onClick={toggle}
      aria-pressed={theme === 'dark'}
      data-testid="theme-toggle"
    >
      Dark mode
    </button>
  )
}

function SignIn(props: {
  onSignIn: (key: string) => Promise<void>
  error: string | undefined
  theme: Theme
  toggleTheme: () => void
}) {
  const [busy, setBusy] = useState(false)
  const submit = (e: Event) => {
    e.preventDefault()
    const input = (e.target as HTMLFormElement).elements.namedItem('key') as HTMLInputElement
    const key = input.value.trim()
    if (!key) return
    setBusy(true)
    void props.onSignIn(key).finally(() => {
      setBusy(false)
      input.value = ''
    })
  }
  return (
    <main class="app">
      <div class="topbar">
        <Brand />
        <span class="spacer" />
        <ThemeToggle theme={props.theme} toggle={props.toggleTheme} />
      </div>
      <section class="signin panel" aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in</h1>
        <form onSubmit={submit} method="post" action="#">
          <label for="key">Read key</label>
          <input
            id="key"
            name="key"
            type="password"
            autoComplete="off"
            spellcheck={false}
            placeholder="sk_read_…"
            required
          />
          <button class="primary" type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <p class="hint">
          Use a site's secret read key (<code>sk_read_…</code>). It stays in this tab's session
          storage and is never put in a URL; closing the tab forgets it.
        </p>
        {props.error && (
          <p class="error" role="alert" id="signin-error">
            {props.error}
          </p>
        )}
      </section>
    </main>
  )
}

function Brand() {
  return (
    <span class="brand">
      <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
        <path fill="currentColor" d="M3 17c4 0 6-3 8-7s4-6 8-6h2v3h-2c-2 0-3 1-5 5s-5 8-11 8z" />
        <circle cx="18" cy="15" r="3" fill="currentColor" />
      </svg>
      Pipit
    </span>
  )
}

function Dashboard(props: {
  sites: Site[]
  theme: Theme
  toggleTheme: () => void
  signOut: () => void
}) {
  const [view, navigate] = useView()
  const site = props.sites.find((s) => s.id === view.site) ?? props.sites[0]!
  // "Today" moves at local midnight: recomputed each minute.
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 60_000)
    return () => clearInterval(t)
  }, [])
  const today = dayIn(site.timezone, now)
  const { from, to } = rangeOf(view.range, today, { from: view.from, to: view.to })

  const ctx = useMemo((): Ctx => {
    const filters = view.filters.map(filterToParam)
    return {
      site,
      from,
      to,
      prev: previousOf(from, to),
      view,
      theme: props.theme,
      params: { site: site.id, from, to, filter: filters },
      filterBody: view.filters,
      navigate,
      addFilter(f: Filter) {
        const others = view.filters.filter((x) => x.dimension !== f.dimension)
        navigate({ filters: [...others, f] })
      },
    }
  }, [site, from, to, view, props.theme])

  useEffect(() => {
    document.title = `${site.name} · Pipit`
  }, [site.name])

  return (
    <DashboardContext.Provider value={ctx}>
      <div class="app">
        <header class="topbar">
          <Brand />
          {props.sites.length > 1 ? (
            <label class="inline">
              <span class="sr-only">Site</span>
              <select
                aria-label="Site"
                value={site.id}
                onChange={(e) =>
                  navigate({
                    site: (e.target as HTMLSelectElement).value,
                    filters: [],
                    experiment: undefined,
                  })
                }
              >
                {props.sites.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <strong>{site.name}</strong>
          )}
          <RealtimeCounter />
          <span class="spacer" />
          <ThemeToggle theme={props.theme} toggle={props.toggleTheme} />
          <button type="button" class="small" onClick={props.signOut}>
            Sign out
          </button>
        </header>
        <RangeBar />
        <FilterChips />
        <nav class="views" aria-label="Views">
          {TABS.map((t) => (
            <a
              key={t}
              href={`?${serializeView({ ...view, tab: t })}`}
              aria-current={view.tab === t ? 'page' : undefined}
              onClick={(e) => {
                if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return
                e.preventDefault()
                navigate({ tab: t })
              }}
            >
              {TAB_LABELS[t]}
            </a>
          ))}
        </nav>
        <main id="view" data-view={view.tab}>
          <h1 class="sr-only">{TAB_LABELS[view.tab]}</h1>
          {view.tab === 'overview' && <OverviewTab />}
          {view.tab === 'funnels' && <FunnelTab />}
          {view.tab === 'retention' && <RetentionTab />}
          {view.tab === 'experiments' && <ExperimentsTab />}
        </main>
      </div>
    </DashboardContext.Provider>
  )
}

const TAB_LABELS: Record<Tab, string> = {
  overview: 'Overview',
  funnels: 'Funnels',
  retention: 'Retention',
  experiments: 'Experiments',
}

function RangeBar() {
  const ctx = useCtx()
  const { view } = ctx
  return (
    <div class="toolbar">
      <label class="inline">
        <span class="sr-only">Date range</span>
        <select
          aria-label="Date range"
          value={view.range}
          onChange={(e) => {
            const range = (e.target as HTMLSelectElement).value as RangeKey
            // Custom starts from the range shown now.
            navigate(ctx, range === 'custom' ? { range, from: ctx.from, to: ctx.to } : { range })
          }}
        >
          {RANGES.map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {view.range === 'custom' && (
        <span class="dates">
          <label class="inline">
            From
            <input
              type="date"
              value={ctx.from}
              max={ctx.to}
              onChange={(e) => {
                const v = (e.target as HTMLInputElement).value
                if (v) ctx.navigate({ from: v, to: ctx.to })
              }}
            />
          </label>
          <label class="inline">
            To
            <input
              type="date"
              value={ctx.to}
              min={ctx.from}
              onChange={(e) => {
                const v = (e.target as HTMLInputElement).value
                if (v) ctx.navigate({ from: ctx.from, to: v })
              }}
            />
          </label>
        </span>
      )}
      <label class="inline">
        <input
          type="checkbox"
          checked={view.compare}
          onChange={(e) => ctx.navigate({ compare: (e.target as HTMLInputElement).checked })}
        />
        Compare to previous period
      </label>
      <span class="period" data-testid="period">
        {describeRange(ctx.from, ctx.to)}
        {view.compare ? ` vs ${describeRange(ctx.prev.from, ctx.prev.to)}` : ''} ·{' '}
        {ctx.site.timezone}
      </span>
    </div>
  )
}

/** Changing the range drops the interval when it no longer fits (the panel picks one). */
function navigate(ctx: Ctx, patch: Partial<View>) {
  ctx.navigate({ ...patch, interval: undefined })
}

function FilterChips() {
  const ctx = useCtx()
  const filters = ctx.view.filters
  if (filters.length === 0) return null
  return (
    <div class="chips" role="group" aria-label="Filters">
      {filters.map((f, i) => (
        <span class="chip" key={filterToParam(f)} data-filter={filterToParam(f)}>
          <span>{describeFilter(f)}</span>
          <button
            type="button"
            aria-label={`Remove filter ${describeFilter(f)}`}
            onClick={() => ctx.navigate({ filters: filters.filter((_, j) => j !== i) })}
          >
            ×
          </button>
        </span>
      ))}
      {filters.length > 1 && (
        <button type="button" class="link small" onClick={() => ctx.navigate({ filters: [] })}>
          Clear all
        </button>
      )}
    </div>
  )
}

/** Visitors in the last 5 minutes, refreshed every 15 s while the tab is visible. */
function RealtimeCounter() {
  const ctx = useCtx()
  const [count, setCount] = useState<number>()
  const [failed, setFailed] = useState(false)
  const params = { site: ctx.site.id, filter: ctx.params.filter }
  const key = JSON.stringify(params)
  useEffect(() => {
    let controller: AbortController | undefined
    const tick = () => {
      if (document.hidden) return
      controller?.abort()
      controller = new AbortController()
      getJson<Realtime>('/v1/stats/realtime', params, controller.signal).then(
        (r) => {
          setCount(r.visitors)
          setFailed(false)
        },
        (e: Error) => e.name !== 'AbortError' && setFailed(true),
      )
    }
    tick()
    const timer = setInterval(tick, 15_000)
    document.addEventListener('visibilitychange', tick)
    return () => {
      clearInterval(timer)
      document.removeEventListener('visibilitychange', tick)
      controller?.abort()
    }
  }, [key])
  return (
    <span class="realtime" data-testid="realtime" title="Visitors in the last 5 minutes">
      <span class="dot" aria-hidden="true" />
      <strong data-value={count ?? ''}>{count === undefined ? '…' : fmtInt(count)}</strong>
      {count === 1 ? 'visitor now' : 'visitors now'}
      {failed && <span class="sr-only">(could not refresh)</span>}
    </span>
  )
}
