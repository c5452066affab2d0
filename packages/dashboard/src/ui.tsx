import type { ComponentChildren } from 'preact'
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import { ApiError, downloadCsv, type Params } from './api'

export interface Loaded<T> {
  data: T | undefined
  error: Error | undefined
  loading: boolean
}

/**
 * Loads data whenever `key` changes (a string of everything the request
 * depends on), aborting the request it replaces. The last answer stays shown
 * while the next one loads, so panels dim instead of jumping.
 */
export function useLoad<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>) {
  const [state, setState] = useState<Loaded<T>>({
    data: undefined,
    error: undefined,
    loading: key !== null,
  })
  const loader = useRef(load)
  loader.current = load
  // A layout effect starts the request right after the render, not after the next paint.
  useLayoutEffect(() => {
    if (key === null) return
    const controller = new AbortController()
    setState((s) => ({ ...s, loading: true }))
    loader.current(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, error: undefined, loading: false }),
      (error: Error) => {
        if (controller.signal.aborted) return
        setState({ data: undefined, error, loading: false })
      },
    )
    return () => controller.abort()
  }, [key])
  return state
}

/** Whether an API error means "this endpoint is not there" (an older collector). */
export const isNotFound = (e: Error | undefined) =>
  e instanceof ApiError && e.status === 404 && e.code === 'not_found'

export function Skeleton({ lines = 3, height = 18 }: { lines?: number; height?: number }) {
  return (
    <div aria-hidden="true">
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} class="skeleton" style={{ height: `${height}px`, width: `${100 - i * 7}%` }} />
      ))}
    </div>
  )
}

export function ErrorBox({ error }: { error: Error }) {
  return (
    <p class="error" role="alert">
      {error.message}
    </p>
  )
}

export function Panel(props: {
  id: string
  title: string
  busy: boolean
  actions?: ComponentChildren
  children: ComponentChildren
  class?: string
}) {
  return (
    <section
      class={`panel ${props.class ?? ''}`}
      aria-labelledby={`${props.id}-title`}
      aria-busy={props.busy ? 'true' : 'false'}
      data-panel={props.id}
    >
      <header>
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        {props.actions}
      </header>
      <div class="content">{props.children}</div>
    </section>
  )
}

/** A CSV download of one table, fetched with the Bearer header and saved from a Blob. */
export function CsvButton(props: {
  path: string
  params: Params
  filename: string
  body?: unknown
  label: string
}) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const click = () => {
    setBusy(true)
    setError(undefined)
    downloadCsv(props.path, props.params, props.filename, props.body)
      .catch((e: Error) => setError(e.message))
      .finally(() => setBusy(false))
  }
  return (
    <>
      <button
        type="button"
        class="small"
        onClick={click}
        disabled={busy}
        aria-label={`Export ${props.label} as CSV`}
      >
        CSV
      </button>
      {error && (
        <span class="error small" role="alert">
          {error}
        </span>
      )}
    </>
  )
}

/** Tabs with the WAI-ARIA pattern: arrow keys move between them. */
export function Tabs<T extends string>(props: {
  label: string
  tabs: readonly (readonly [T, string])[]
  value: T
  onChange: (v: T) => void
  idPrefix: string
}) {
  const refs = useRef<(HTMLButtonElement | null)[]>([])
  const onKey = (e: KeyboardEvent, i: number) => {
    const n = props.tabs.length
    const next = e.key === 'ArrowRight' ? (i + 1) % n : e.key === 'ArrowLeft' ? (i - 1 + n) % n : -1
    if (next < 0) return
    e.preventDefault()
    props.onChange(props.tabs[next]![0])
    refs.current[next]?.focus()
  }
  if (props.tabs.length < 2) return null
  return (
    <div class="tabs" role="tablist" aria-label={props.label}>
      {props.tabs.map(([value, text], i) => (
        <button
          key={value}
          ref={(el) => void (refs.current[i] = el)}
          type="button"
          role="tab"
          id={`${props.idPrefix}-tab-${value}`}
          aria-selected={value === props.value}
          aria-controls={`${props.idPrefix}-tabpanel`}
          tabIndex={value === props.value ? 0 : -1}
          onClick={() => props.onChange(value)}
          onKeyDown={(e) => onKey(e, i)}
        >
          {text}
        </button>
      ))}
    </div>
  )
}

/** What to do when a site has no data yet: the SDK snippet, for this collector. */
export function InstallHint() {
  const origin = location.origin
  const snippet = `<script src="${origin}/pipit.js"></script>
<script>
  const pipit = Pipit.createTracker({ writeKey: 'pk_…', host: '${origin}' })
  pipit.setConsent('granted') // or let @pipit/consent ask first
  pipit.page()
</script>`
  return (
    <div class="empty" data-empty="install">
      <h3>No data yet</h3>
      <p>
        Add the Pipit SDK to your site with its <strong>public write key</strong> (<code>pk_…</code>
        , printed on the collector's first start; see <code>pipit keys list</code>). Events show
        here within seconds.
      </p>
      <pre>
        <code>{snippet}</code>
      </pre>
      <p>
        Or from npm: <code>npm install @pipit/sdk</code>, then{' '}
        <code>createTracker(&#123; writeKey, host &#125;)</code>.
      </p>
    </div>
  )
}
