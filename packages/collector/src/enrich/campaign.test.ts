import { describe, expect, it } from 'vitest'
import { campaignFromContext, campaignFromUrl } from './campaign'

describe('campaignFromUrl', () => {
  it('reads utm parameters and click ids', () => {
    const c = campaignFromUrl(
      'https://shop.example/p?utm_source=%20newsletter%20&utm_medium=email&utm_campaign=spring&utm_term=shoes&utm_content=hero&gclid=abc&fbclid=def&other=1',
    )
    expect(c).toEqual({
      source: 'newsletter',
      medium: 'email',
      name: 'spring',
      term: 'shoes',
      content: 'hero',
      clickIds: { gclid: 'abc', fbclid: 'def' },
    })
  })

  it('gives an empty campaign for no query, an empty value or a bad URL', () => {
    const empty = {
      source: null,
      medium: null,
      name: null,
      term: null,
      content: null,
      clickIds: {},
    }
    expect(campaignFromUrl('https://shop.example/')).toEqual(empty)
    expect(campaignFromUrl('https://shop.example/?utm_source=')).toEqual(empty)
    expect(campaignFromUrl('not a url?utm_source=x')).toEqual(empty)
    expect(campaignFromUrl(null)).toEqual(empty)
  })

  it('caps values at 255 characters', () => {
    expect(campaignFromUrl(`https://x.test/?utm_campaign=${'a'.repeat(400)}`).name).toHaveLength(
      255,
    )
  })
})

describe('campaignFromContext', () => {
  it("reads Segment's context.campaign, or null when absent or empty", () => {
    expect(
      campaignFromContext({ campaign: { source: 'google', medium: 'cpc', name: 'brand' } }),
    ).toMatchObject({
      source: 'google',
      medium: 'cpc',
      name: 'brand',
      term: null,
    })
    expect(campaignFromContext({})).toBeNull()
    expect(campaignFromContext({ campaign: { source: '' } })).toBeNull()
    expect(campaignFromContext({ campaign: 'spring' })).toBeNull()
    expect(campaignFromContext(null)).toBeNull()
  })
})
