import { describe, expect, it } from 'vitest'
import { campaignFromUrl } from './campaign'
import { classifyTraffic } from './referrer'
import { createUrlFacts } from './url-facts'

const page = 'https://shop.example/landing'
const urls = createUrlFacts()
const classify = (referrer: string | null, url = page) =>
  classifyTraffic({
    referrerHost: urls.of(referrer).host,
    pageHost: urls.of(url).host,
    campaign: campaignFromUrl(url),
  })

describe('classifyTraffic', () => {
  it.each([
    [null, page, 'direct', null],
    ['https://shop.example/other', page, 'direct', null],
    ['https://www.google.co.uk/', page, 'search', 'Google'],
    ['https://news.google.de/', page, 'search', 'Google'],
    ['https://duckduckgo.com/', page, 'search', 'DuckDuckGo'],
    ['https://l.facebook.com/l.php', page, 'social', 'Facebook'],
    ['https://t.co/abc', page, 'social', 'Twitter'],
    ['https://news.ycombinator.com/item?id=1', page, 'social', 'Hacker News'],
    ['android-app://com.google.android.gm/', page, 'email', 'Gmail'],
    ['https://mail.google.com/', page, 'email', 'Gmail'],
    ['https://blog.example.org/post', page, 'referral', 'blog.example.org'],
    [null, `${page}?utm_source=newsletter&utm_medium=email`, 'email', 'newsletter'],
    [null, `${page}?utm_source=fb&utm_medium=social`, 'social', 'Facebook'],
    ['https://www.google.com/', `${page}?gclid=x`, 'paid', 'Google'],
    [null, `${page}?utm_source=google&utm_medium=cpc`, 'paid', 'Google'],
    [null, `${page}?utm_source=partner-site`, 'referral', 'partner-site'],
    ['https://www.facebook.com/', `${page}?fbclid=x`, 'social', 'Facebook'],
  ])('%s on %s is %s from %s', (referrer, url, channel, source) => {
    expect(classify(referrer, url)).toMatchObject({ channel, source })
  })

  it('gives the referrer host without www., and none for internal or missing referrers', () => {
    expect(classify('https://www.blog.example.org/a').referrerHost).toBe('blog.example.org')
    expect(classify('https://shop.example/x').referrerHost).toBeNull()
    expect(classify('garbage').referrerHost).toBeNull()
  })
})
