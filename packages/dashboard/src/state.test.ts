import { describe, expect, it } from 'vitest'
import { describeFilter, filterToParam, parseFilter, parseView, serializeView } from './state'

describe('the view in the URL', () => {
  it('writes filters as the API reads them, and reads them back', () => {
    for (const raw of [
      'country:is:DE',
      'page:contains:/blog',
      'referrer:is:', // no referrer
      'utm_campaign:is_not:a:b', // a value with a colon
      'prop:plan:is:pro',
    ]) {
      expect(filterToParam(parseFilter(raw)!)).toBe(raw)
    }
    expect(parseFilter('referrer:is:')).toEqual({ dimension: 'referrer', op: 'is', value: null })
    expect(parseFilter('prop:plan:is:pro')).toEqual({
      dimension: 'prop:plan',
      op: 'is',
      value: 'pro',
    })
    expect(parseFilter('country:equals:DE')).toBeUndefined()
    expect(describeFilter({ dimension: 'device_type', op: 'is_not', value: 'mobile' })).toBe(
      'Device is not mobile',
    )
  })

  it('round-trips a full view and leaves defaults out of the link', () => {
    const search =
      'site=shop&range=custom&from=2026-01-05&to=2026-01-20&compare=1' +
      '&filter=country%3Ais%3ADE&filter=source%3Ais%3AGoogle&interval=hour&metric=pageviews' +
      '&tab=funnels&step=page%3A%2F&step=event%3ASignup&window=1d&period=month' +
      '&experiment=pricing-test&goal=event%3ASignup'
    const view = parseView(`?${search}`)
    expect(view).toEqual({
      site: 'shop',
      range: 'custom',
      from: '2026-01-05',
      to: '2026-01-20',
      compare: true,
      filters: [
        { dimension: 'country', op: 'is', value: 'DE' },
        { dimension: 'source', op: 'is', value: 'Google' },
      ],
      interval: 'hour',
      metric: 'pageviews',
      tab: 'funnels',
      steps: [
        { kind: 'page', value: '/' },
        { kind: 'event', value: 'Signup' },
      ],
      window: '1d',
      period: 'month',
      experiment: 'pricing-test',
      goal: 'event:Signup',
    })
    expect(serializeView(view)).toBe(search)
    expect(serializeView(parseView(''))).toBe('')
  })

  it('ignores what it does not understand instead of failing', () => {
    const view = parseView(
      '?range=forever&tab=admin&interval=year&from=yesterday&step=nope&metric=x',
    )
    expect(view.range).toBe('30d')
    expect(view.tab).toBe('overview')
    expect(view.interval).toBeUndefined()
    expect(view.from).toBeUndefined()
    expect(view.steps).toEqual([])
    expect(view.metric).toBe('visitors')
  })
})
