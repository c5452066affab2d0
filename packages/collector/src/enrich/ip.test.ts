import { describe, expect, it } from 'vitest'
import { countryFromHeader } from './country'
import { anonymizeIp, clientIp } from './ip'

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
    socketIp: '10.0.0.1',
  }
  it('trusts forwarding headers only behind a proxy', () => {
    expect(clientIp({ ...headers, trustProxy: true })).toBe('203.0.113.7')
    expect(clientIp({ ...headers, trustProxy: false })).toBe('10.0.0.1')
    expect(clientIp({ ...headers, forwardedFor: null, trustProxy: true })).toBe('198.51.100.2')
  })

  it('strips ports and brackets', () => {
    const at = (forwardedFor: string) =>
      clientIp({ forwardedFor, realIp: null, socketIp: null, trustProxy: true })
    expect(at('203.0.113.7:4711')).toBe('203.0.113.7')
    expect(at('[2001:db8::1]:443')).toBe('2001:db8::1')
  })
})

describe('countryFromHeader', () => {
  it('reads alpha-2 codes and treats placeholders as unknown', () => {
    expect(countryFromHeader(' de ')).toBe('DE')
    for (const v of ['XX', 'T1', 'DEU', '', null]) expect(countryFromHeader(v)).toBeNull()
  })
})
