import { describe, expect, it } from 'vitest'
import { countryFromHeader } from './country'
import { anonymizeIp, clientIp, parseTrustProxy } from './ip'

describe('anonymizeIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['::ffff:203.0.113.77', '203.0.113.0'],
    ['2001:db8:1234:5678::1', '2001:db8:1234::'],
    ['2001:0db8:0000:5678:9abc::1', '2001:db8:0::'],
    ['::1', '0:0:0::'],
    ['fe80::1', 'fe80:0:0::'],
    ['not an ip', null],
    ['999.1.1.1', null],
    [null, null],
  ])('%s → %s', (ip, expected) => {
    expect(anonymizeIp(ip)).toBe(expected)
  })
})

describe('clientIp', () => {
  const headers = {
    forwardedFor: 'junk, 203.0.113.7, 10.0.0.1',
    realIp: '198.51.100.2',
    socketIp: '10.0.0.2',
  }
  it('trusts forwarding headers only behind a proxy', () => {
    expect(clientIp({ ...headers, trustProxy: false })).toBe('10.0.0.2')
    expect(clientIp({ ...headers, trustProxy: 0 })).toBe('10.0.0.2')
    expect(clientIp({ ...headers, forwardedFor: null, trustProxy: true })).toBe('198.51.100.2')
  })

  // Regression: the leftmost X-Forwarded-For entry won, and the client writes that one.
  it('takes the address the trusted hops saw, never what the client prepended', () => {
    expect(clientIp({ ...headers, trustProxy: true })).toBe('10.0.0.1')
    expect(clientIp({ ...headers, trustProxy: 1 })).toBe('10.0.0.1')
    expect(clientIp({ ...headers, trustProxy: 2 })).toBe('203.0.113.7')
    // More hops than entries: as far as the chain goes.
    expect(clientIp({ ...headers, forwardedFor: '203.0.113.7', trustProxy: 3 })).toBe('203.0.113.7')
  })

  it('walks trusted CIDR ranges from the socket to the first untrusted address', () => {
    const trustProxy = parseTrustProxy('10.0.0.0/8')
    expect(clientIp({ ...headers, trustProxy })).toBe('203.0.113.7')
    expect(clientIp({ ...headers, socketIp: '::ffff:10.0.0.2', trustProxy })).toBe('203.0.113.7')
    // A socket outside the ranges is the client itself: its headers are ignored.
    expect(clientIp({ ...headers, socketIp: '198.51.100.9', trustProxy })).toBe('198.51.100.9')
    // No socket known (an in-process request): nothing vouches for the headers.
    expect(clientIp({ ...headers, socketIp: null, trustProxy })).toBeNull()
    const v6 = parseTrustProxy('2001:db8::/32, loopback')
    expect(
      clientIp({
        forwardedFor: '1.2.3.4, 2001:db8::5',
        realIp: null,
        socketIp: '::1',
        trustProxy: v6,
      }),
    ).toBe('1.2.3.4')
  })

  it('strips ports and brackets', () => {
    const at = (forwardedFor: string) =>
      clientIp({ forwardedFor, realIp: null, socketIp: null, trustProxy: true })
    expect(at('203.0.113.7:4711')).toBe('203.0.113.7')
    expect(at('[2001:db8::1]:443')).toBe('2001:db8::1')
  })
})

describe('parseTrustProxy', () => {
  it('reads off, hop counts, addresses, ranges and named ranges', () => {
    expect(parseTrustProxy('false')).toBe(false)
    expect(parseTrustProxy('0')).toBe(false)
    expect(parseTrustProxy('true')).toBe(true)
    expect(parseTrustProxy('2')).toBe(2)
    expect(parseTrustProxy(' 10.1.2.3 , 172.16.0.0/12,::1, uniquelocal')).toEqual([
      '10.1.2.3/32',
      '172.16.0.0/12',
      '::1/128',
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      'fc00::/7',
    ])
  })

  it.each(['yes', '10.0.0.0/33', '10.0.0/8', '::1/129', '10.0.0.0/8/1', 'loopback,', '99'])(
    'refuses %s',
    (value) => {
      expect(() => parseTrustProxy(value)).toThrow(/.+/)
    },
  )
})

describe('countryFromHeader', () => {
  it('reads alpha-2 codes and treats placeholders as unknown', () => {
    expect(countryFromHeader(' de ')).toBe('DE')
    for (const v of ['XX', 'T1', 'DEU', '', null]) expect(countryFromHeader(v)).toBeNull()
  })
})
