/**
 * First characters that make a spreadsheet read a cell as a formula (OWASP's
 * CSV injection list: `=`, `+`, `-`, `@`, tab and carriage return).
 */
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * A CSV cell that a spreadsheet shows as text: a value starting like a formula
 * gets a single quote in front, as OWASP recommends, so
 * `=HYPERLINK("http://evil")` from a visitor's event opens as the text it is.
 * Numbers are not strings and pass untouched (a negative number stays one).
 *
 * @example
 * csvSafe('=1+1') // "'=1+1"
 * csvSafe('/pricing') // '/pricing'
 */
export function csvSafe(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value
}

/**
 * A `Content-Disposition: attachment` value for a file name that may hold any
 * user value (an experiment id, a site id): an ASCII fallback in `filename`
 * for old clients and the exact name, percent-encoded, in `filename*`
 * (RFC 6266, RFC 5987), so no quote, semicolon or line break reaches the header.
 *
 * @example
 * attachment('experiment-"x".csv') // `attachment; filename="experiment-_x_.csv"; filename*=UTF-8''experiment-%22x%22.csv`
 */
export function attachment(filename: string): string {
  const ascii = filename.replace(/[^\w.-]/g, '_')
  // encodeURIComponent leaves ' ( ) * alone; RFC 5987's attr-char does not allow them.
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
