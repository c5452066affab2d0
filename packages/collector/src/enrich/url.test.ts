import { describe, expect, it } from 'vitest'
import { DEFAULT_STRIPPED_PARAMS, hostOf, pathOf, stripQueryParams } from './url'

describe('stripQueryParams', () => {
  it('removes listed parameters case-insensitively, keeping the rest in order and the fragment', () => {
    expect(
      stripQueryParams(
        'https://x.test/reset?Email=a%40b.c&step=2&token=t&token=u&ref=1#top',
        DEFAULT_STRIPPED_PARAMS,
      ),
    ).toBe('https://x.test/reset?step=2&ref=1#top')
  })

  it('leaves URLs without listed parameters untouched', () => {
    const url = 'https://x.test/p?a=1&b=%20'
    expect(stripQueryParams(url, ['email'])).toBe(url)
    expect(stripQueryParams('https://x.test/p', ['email'])).toBe('https://x.test/p')
  })

  it('drops the whole query of a URL it cannot parse', () => {
    expect(stripQueryParams('/relative?email=a@b.c', ['email'])).toBe('/relative')
  })
})

describe('pathOf and hostOf', () => {
  it('read paths and hosts', () => {
    expect(pathOf('https://x.test/a/b?c=1')).toBe('/a/b')
    expect(pathOf('nope')).toBeNull()
    expect(hostOf('https://WWW.Shop.Example:8080/x')).toBe('shop.example')
    expect(hostOf(null)).toBeNull()
  })
})
