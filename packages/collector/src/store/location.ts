/** Where the collector's data lives, from `PIPIT_DB` / `--db`. */
export type StoreLocation =
  { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; redacted: string }

/**
 * Reads a store location: a file path (SQLite, the default) or a
 * `postgres://` / `postgresql://` URL. Anything else that looks like a URL
 * (a scheme followed by `:`, e.g. `mysql://…`, `file:…`, `clickhouse://…`)
 * is refused, never taken as a file name; returns the reason as a string.
 *
 * @example
 * parseStoreLocation('./data/pipit.db') // { kind: 'sqlite', path: './data/pipit.db' }
 * parseStoreLocation('postgres://pipit:secret@127.0.0.1:5432/pipit') // { kind: 'postgres', ... }
 */
export function parseStoreLocation(value: string): StoreLocation | string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase()
  // One letter before ':' is a Windows drive (C:\data\pipit.db), not a scheme.
  if (!scheme || scheme.length === 1) return { kind: 'sqlite', path: value }
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    return `unsupported scheme "${scheme}:": use a file path for SQLite or postgres://user:password@host:port/database`
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'not a valid URL: expected postgres://user:password@host:port/database'
  }
  if (!url.hostname && !url.searchParams.get('host')) return 'the PostgreSQL URL names no host'
  if (url.pathname.length <= 1) return 'the PostgreSQL URL names no database'
  const redacted = new URL(url.href)
  if (redacted.password) redacted.password = '***'
  return { kind: 'postgres', url: value, redacted: redacted.href }
}
