import { isIP } from 'node:net'

/**
 * The network an address belongs to, with the host part zeroed: IPv4 keeps
 * /24, IPv6 keeps /48 (Google Analytics' and Matomo's anonymisation). The
 * result never identifies one device and is only ever used in memory.
 *
 * @example
 * anonymizeIp('203.0.113.77') // '203.0.113.0'
 * anonymizeIp('2001:db8:1234:5678::1') // '2001:db8:1234::'
 */
export function anonymizeIp(ip: string | null | undefined): string | null {
  if (!ip) return null
  let a = ip.trim()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a)
  if (mapped) a = mapped[1]!
  const kind = isIP(a)
  if (kind === 4) return a.replace(/\.\d+$/, '.0')
  if (kind !== 6) return null
  const [head = '', tail = ''] = a.toLowerCase().split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const zeros: string[] = new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0')
  const groups = a.includes('::') ? [...left, ...zeros, ...right] : left
  const first = groups.slice(0, 3).map((g) => (parseInt(g, 16) || 0).toString(16))
  return `${first.join(':')}::`
}

/** An address without port or brackets, if it is one. */
function bare(value: string | null | undefined): string | null {
  if (!value) return null
  let v = value.trim()
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(v)
  if (bracketed) v = bracketed[1]!
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(v)) v = v.slice(0, v.lastIndexOf(':'))
  return isIP(v) ? v : null
}

/**
 * The client's address: behind a proxy you run (`trustProxy`), the first
 * valid address of X-Forwarded-For, else X-Real-IP, else the socket's; not
 * behind one, only the socket's (headers can be forged by anyone).
 *
 * @example
 * clientIp({ forwardedFor: '203.0.113.7, 10.0.0.1', realIp: null, socketIp: '10.0.0.1', trustProxy: true }) // '203.0.113.7'
 */
export function clientIp(input: {
  forwardedFor: string | null | undefined
  realIp: string | null | undefined
  socketIp: string | null | undefined
  trustProxy: boolean
}): string | null {
  if (input.trustProxy) {
    for (const part of input.forwardedFor?.split(',') ?? []) {
      const ip = bare(part)
      if (ip) return ip
    }
    const real = bare(input.realIp)
    if (real) return real
  }
  return bare(input.socketIp)
}
