import { describe, expect, it } from 'vitest'
import { CLICK_IDS, mergeTouches, touchFrom } from './attribution'

describe('touchFrom', () => {
  it('reads utm parameters under Segment campaign names, and click ids', () => {
    const url =
      'https://shop.test/p?utm_source=news&utm_medium=email&utm_campaign=spring%20sale&utm_term=shoes&utm_content=b+1&gclid=G1&fbclid=F1&other=x#top'
    expect(touchFrom(url, '')).toEqual({
      source: 'news',
      medium: 'email',
      name: 'spring sale',
      term: 'shoes',
      content: 'b 1',
      gclid: 'G1',
      fbclid: 'F1',
      landing: url,
    })
  })

  it('knows the common click ids', () => {
    for (const id of [
      'gclid',
      'fbclid',
      'msclkid',
      'ttclid',
      'li_fat_id',
      'twclid',
      'dclid',
      'wbraid',
      'gbraid',
    ]) {
      expect(CLICK_IDS).toContain(id)
      expect(touchFrom(`https://a.test/?${id}=v`, '')).toMatchObject({ [id]: 'v' })
    }
  })

  it('counts an external referrer as a touch, but not an internal one or a direct visit', () => {
    expect(touchFrom('https://a.test/x', 'https://www.google.com/')).toEqual({
      referrer: 'https://www.google.com/',
      landing: 'https://a.test/x',
    })
    expect(touchFrom('https://a.test/x', 'https://a.test/y')).toBeUndefined()
    expect(touchFrom('https://a.test/x', '')).toBeUndefined()
    expect(touchFrom('https://a.test/x?utm_source=%E0%A4%A', '')).toEqual({
      source: '%E0%A4%A',
      landing: 'https://a.test/x?utm_source=%E0%A4%A',
    })
  })
})

describe('mergeTouches', () => {
  const ad = { source: 'ad', landing: 'https://a.test/?utm_source=ad' }
  const mail = { source: 'mail', landing: 'https://a.test/?utm_source=mail' }

  it('keeps the first touch for ever and replaces the last one with each new touch', () => {
    const first = mergeTouches(undefined, ad, ad.landing)
    expect(first).toEqual({ first: ad, last: ad })
    const second = mergeTouches(first, mail, mail.landing)
    expect(second).toEqual({ first: ad, last: mail })
    // A direct visit keeps the last non-direct touch.
    expect(mergeTouches(second, undefined, 'https://a.test/')).toEqual(second)
  })

  it('records a direct first visit by its landing page', () => {
    expect(mergeTouches(undefined, undefined, 'https://a.test/')).toEqual({
      first: { landing: 'https://a.test/' },
    })
  })
})
