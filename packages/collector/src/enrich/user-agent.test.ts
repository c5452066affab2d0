import { describe, expect, it } from 'vitest'
import { createUserAgentParser } from './user-agent'

const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.127 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  androidTablet:
    'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  headless:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36',
  curl: 'curl/8.5.0',
  python: 'python-requests/2.32.3',
}

describe('createUserAgentParser', () => {
  const agents = createUserAgentParser()

  it.each([
    [
      'chromeWindows',
      {
        browser: 'Chrome',
        browserVersion: '126',
        os: 'Windows',
        deviceType: 'desktop',
        isBot: false,
      },
    ],
    ['safariIphone', { browser: 'Mobile Safari', os: 'iOS', deviceType: 'mobile', isBot: false }],
    ['ipad', { os: 'iOS', deviceType: 'tablet', isBot: false }],
    ['androidTablet', { os: 'Android', deviceType: 'tablet', isBot: false }],
    ['firefoxLinux', { browser: 'Firefox', os: 'Linux', deviceType: 'desktop', isBot: false }],
  ] as const)('reads %s', (name, expected) => {
    expect(agents.parse(UA[name])).toMatchObject(expected)
  })

  it.each(['googlebot', 'headless', 'curl', 'python'] as const)(
    'flags %s as a bot, with what matched',
    (name) => {
      const info = agents.parse(UA[name])
      expect(info.isBot).toBe(true)
      expect(info.botPattern).toBeTruthy()
    },
  )

  it('counts an empty user agent as a bot', () => {
    for (const ua of ['', '   ', undefined, null]) {
      expect(agents.parse(ua)).toMatchObject({
        isBot: true,
        botPattern: 'empty user agent',
        deviceType: 'other',
      })
    }
  })

  it('caches results without growing past its size, and gives the same answers', () => {
    const small = createUserAgentParser({ cacheSize: 3 })
    const first = small.parse(UA.chromeWindows)
    for (const ua of Object.values(UA)) small.parse(ua)
    expect(small.size()).toBe(3)
    expect(small.parse(UA.chromeWindows)).toEqual(first)
    expect(small.parse(UA.python)).toBe(small.parse(UA.python)) // a hit returns the cached object
  })
})
