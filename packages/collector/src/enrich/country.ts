/**
 * The ISO 3166-1 alpha-2 country a trusted proxy put in a header (Cloudflare's
 * CF-IPCountry, Vercel's X-Vercel-IP-Country, CloudFront-Viewer-Country).
 * Their placeholders for unknown (`XX`) and Tor (`T1`) count as unknown.
 *
 * @example
 * countryFromHeader('de') // 'DE'
 */
export function countryFromHeader(value: string | null | undefined): string | null {
  const v = value?.trim().toUpperCase()
  if (!v || !/^[A-Z]{2}$/.test(v) || v === 'XX' || v === 'T1') return null
  return v
}
