/**
 * Query parameters removed from stored URLs by default: they carry personal
 * data or secrets that apps put in links (password resets, magic links,
 * newsletter links). Broad names like `key` or `id` are left out on purpose:
 * they are mostly harmless product parameters.
 */
export const DEFAULT_STRIPPED_PARAMS: readonly string[] = [
  'email',
  'e-mail',
  'mail',
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'auth',
  'code',
  'password',
  'pass',
  'pwd',
  'secret',
  'api_key',
  'apikey',
  'session',
  'sessionid',
  'phone',
  'tel',
]

/**
 * Removes the listed query parameters (case-insensitively), keeping the rest
 * in order and the fragment. A URL that does not parse loses its whole query:
 * a query that cannot be inspected is not stored.
 *
 * @example
 * stripQueryParams('https://x.test/reset?email=a%40b.c&step=2', ['email']) // 'https://x.test/reset?step=2'
 */
export function stripQueryParams(
  url: string,
  params: readonly string[],
  /** The URL's lowercased parameter names when already known (skips parsing when none matches). */
  present?: readonly string[],
): string {
  const q = url.indexOf('?')
  if (q === -1 || params.length === 0) return url
  if (present && !present.some((p) => params.some((x) => x.toLowerCase() === p))) return url
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return url.slice(0, q)
  }
  const drop = new Set(params.map((p) => p.toLowerCase()))
  const keys = [...parsed.searchParams.keys()]
  if (!keys.some((k) => drop.has(k.toLowerCase()))) return url
  for (const k of new Set(keys)) if (drop.has(k.toLowerCase())) parsed.searchParams.delete(k)
  return parsed.toString()
}

/** The path of a URL, or null when it does not parse. */
export function pathOf(url: string | null | undefined): string | null {
  if (!url) return null
  try {
    return new URL(url).pathname
  } catch {
    return null
  }
}

/** The lowercase host of a URL without a leading `www.`, or null. */
export function hostOf(url: string | null | undefined): string | null {
  if (!url) return null
  try {
    const host = new URL(url).hostname.toLowerCase()
    return (host.startsWith('www.') ? host.slice(4) : host) || null
  } catch {
    return null
  }
}
