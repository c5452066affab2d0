/**
 * The stats API as the dashboard uses it: every request carries the read key
 * as `Authorization: Bearer` (the key lives in this tab's sessionStorage and
 * never in a URL), errors become `ApiError` with the server's own message.
 */

export const KEY_STORAGE = 'pipit:v1:dashboard-key'

const SITES_STORAGE = 'pipit:v1:dashboard-sites'

export const getKey = (): string | null => sessionStorage.getItem(KEY_STORAGE)
export const setKey = (key: string) => sessionStorage.setItem(KEY_STORAGE, key)
export const clearKey = () => {
  sessionStorage.removeItem(KEY_STORAGE)
  sessionStorage.removeItem(SITES_STORAGE)
}

/** The sites the key reached last time (a reload renders at once, then checks again). */
export function cachedSites(): Site[] | undefined {
  try {
    const sites = JSON.parse(sessionStorage.getItem(SITES_STORAGE) ?? 'null') as Site[] | null
    return Array.isArray(sites) ? sites : undefined
  } catch {
    return undefined
  }
}

/** An error the dashboard shows as it is: the API's message, or what went wrong on the way. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

let onUnauthorized: (error: ApiError) => void = () => undefined
/** Called when the key stops working (revoked, rotated) so the app can sign out. */
export function setUnauthorizedHandler(handler: (error: ApiError) => void) {
  onUnauthorized = handler
}

export type Params = Record<string, string | number | readonly string[] | undefined>

export function queryString(params: Params): string {
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue
    if (Array.isArray(v)) for (const x of v as readonly string[]) search.append(k, x)
    else search.append(k, String(v))
  }
  return search.toString()
}

async function request(path: string, init: RequestInit = {}, key = getKey()): Promise<Response> {
  let res: Response
  try {
    res = await fetch(path, {
      ...init,
      headers: { authorization: `Bearer ${key ?? ''}`, ...(init.headers ?? {}) },
    })
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw new ApiError(0, 'network', 'Cannot reach the collector. Check your connection.')
  }
  if (res.ok) return res
  let code = 'http_error'
  let message = `The server answered ${res.status} ${res.statusText}`.trim()
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } }
    code = body.error?.code ?? code
    message = body.error?.message ?? message
  } catch {
    // Not JSON: keep the status line.
  }
  const error = new ApiError(res.status, code, message)
  if (res.status === 401) onUnauthorized(error)
  throw error
}

/** GET a JSON answer. */
export async function getJson<T>(path: string, params: Params, signal?: AbortSignal): Promise<T> {
  const qs = queryString(params)
  const res = await request(qs ? `${path}?${qs}` : path, signal ? { signal } : {})
  return (await res.json()) as T
}

/** POST a JSON body, read a JSON answer. */
export async function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const res = await request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  })
  return (await res.json()) as T
}

/** Checks a key before keeping it: the sites it reaches. */
export async function sitesOf(key: string): Promise<Site[]> {
  const res = await request('/v1/sites', {}, key)
  const sites = ((await res.json()) as { sites: Site[] }).sites
  sessionStorage.setItem(SITES_STORAGE, JSON.stringify(sites))
  return sites
}

/**
 * Fetches a table as CSV (`format=csv`, with the Bearer header) and saves it
 * through a Blob, so the key never travels in a URL a browser could keep.
 */
export async function downloadCsv(
  path: string,
  params: Params,
  filename: string,
  body?: unknown,
): Promise<void> {
  const qs = queryString({ ...params, format: 'csv' })
  const res = await request(
    `${path}?${qs}`,
    body === undefined
      ? {}
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
  )
  const blob = new Blob([await res.text()], { type: 'text/csv;charset=utf-8' })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

// Answers of the stats API (docs/stats.md).

export interface Site {
  id: string
  name: string
  timezone: string
}

// The stats answers' types are the API's own (`@pipit/protocol`), never copies.
export type {
  Breakdown,
  BreakdownRow,
  ExperimentSummary,
  Funnel,
  Interval,
  Metrics,
  Overview,
  Realtime,
  Retention,
  Timeseries,
} from '@pipit/protocol'
export type {
  Experiment as ExperimentResult,
  FunnelStepResult as FunnelStep,
} from '@pipit/protocol'
