import { BlockList, isIP } from 'node:net'

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
 * Which proxies in front of the collector are trusted to say who the client
 * is: `false` (none: only the socket's address counts), a number of proxy hops
 * (`true` is one hop), or a list of addresses and CIDR ranges, as Express's
 * `trust proxy` takes them.
 */
export type TrustProxy = boolean | number | readonly string[]

/** Express's names for the reserved ranges, usable in a trusted-proxy list. */
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
}

/** How far from the client a hop count may reach; more proxies than this is a typo. */
const MAX_HOPS = 32

/**
 * Reads `PIPIT_TRUST_PROXY`: `false`/`0` (default), `true` (one hop), a hop
 * count, or a comma-separated list of addresses, CIDR ranges and the names
 * `loopback`, `linklocal`, `uniquelocal`. Throws naming the bad entry.
 *
 * @example
 * parseTrustProxy('2') // 2
 * parseTrustProxy('10.0.0.0/8, loopback') // ['10.0.0.0/8', '127.0.0.0/8', '::1/128']
 */
export function parseTrustProxy(value: boolean | number | string): TrustProxy {
  if (typeof value === 'boolean') return value
  const text = String(value).trim().toLowerCase()
  if (text === '' || text === 'false') return false
  if (text === 'true') return true
  if (/^\d+$/.test(text)) {
    const hops = Number(text)
    if (hops > MAX_HOPS) throw new Error(`at most ${MAX_HOPS} proxy hops, not ${hops}`)
    return hops === 0 ? false : hops
  }
  const ranges: string[] = []
  for (const raw of text.split(',')) {
    const entry = raw.trim()
    const named = NAMED_RANGES[entry]
    if (named) {
      ranges.push(...named)
      continue
    }
    const [address = '', prefix, extra] = entry.split('/')
    const kind = isIP(address)
    const bits = kind === 6 ? 128 : 32
    const valid =
      kind !== 0 &&
      extra === undefined &&
      (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits))
    if (!valid) {
      throw new Error(
        `"${entry}" is not a hop count, an address, a CIDR range or loopback/linklocal/uniquelocal`,
      )
    }
    ranges.push(prefix === undefined ? `${address}/${bits}` : entry)
  }
  return ranges
}

const compiled = new WeakMap<readonly string[], BlockList>()
/** Whether an address lies in one of the trusted ranges (IPv4-mapped IPv6 counts as IPv4). */
function inRanges(ranges: readonly string[], ip: string): boolean {
  let list = compiled.get(ranges)
  if (!list) {
    list = new BlockList()
    for (const range of ranges) {
      const [address = '', prefix = ''] = range.split('/')
      list.addSubnet(address, Number(prefix), isIP(address) === 6 ? 'ipv6' : 'ipv4')
    }
    compiled.set(ranges, list)
  }
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1]
  return v4 ? list.check(v4, 'ipv4') : list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4')
}

/**
 * The client's address: the address the nearest proxy you do not trust saw
 * it come from. Each trusted proxy appends the address it received the
 * request from to X-Forwarded-For, so the chain is read from the right (the
 * socket, then X-Forwarded-For's entries right to left); entries further left
 * were written by the client and are never believed. X-Real-IP stands in for
 * a missing X-Forwarded-For. Without trusted proxies only the socket counts.
 *
 * - a hop count `n`: the entry `n` hops from the socket (one proxy: the
 *   rightmost X-Forwarded-For entry);
 * - a list of ranges: the first address from the right outside them, when the
 *   socket itself is inside them (an unknown socket trusts nothing).
 *
 * @example
 * // A client forged "1.2.3.4"; the one proxy appended the address it saw.
 * clientIp({ forwardedFor: '1.2.3.4, 203.0.113.7', realIp: null, socketIp: '10.0.0.1', trustProxy: 1 }) // '203.0.113.7'
 */
export function clientIp(input: {
  forwardedFor: string | null | undefined
  realIp: string | null | undefined
  socketIp: string | null | undefined
  trustProxy: TrustProxy
}): string | null {
  const { trustProxy: trust } = input
  const socket = bare(input.socketIp)
  if (trust === false || trust === 0) return socket
  const chain = input.forwardedFor
    ? input.forwardedFor.split(',')
    : input.realIp
      ? [input.realIp]
      : []
  if (chain.length === 0) return socket
  if (trust === true || typeof trust === 'number') {
    const hops = trust === true ? 1 : trust
    // Fewer entries than hops: the leftmost is as far as the trusted proxies reach.
    return bare(chain[Math.max(0, chain.length - hops)])
  }
  if (!socket || !inRanges(trust, socket)) return socket
  for (let i = chain.length - 1; i >= 0; i--) {
    const ip = bare(chain[i])
    if (!ip || i === 0 || !inRanges(trust, ip)) return ip
  }
  return socket
}
