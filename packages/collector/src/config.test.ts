import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from './config'

describe('parseConfig', () => {
  it('reads PIPIT_TRUST_PROXY as a hop count or a list of trusted ranges', () => {
    expect(parseConfig({}).trustProxy).toBe(false)
    expect(parseConfig({ PIPIT_TRUST_PROXY: '1' }).trustProxy).toBe(1)
    expect(parseConfig({ PIPIT_TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toEqual(['10.0.0.0/8'])
  })

  // Regression: a malformed list must stop the start, not silently trust nobody (or everybody).
  it('refuses a malformed trusted-proxy setting at start, naming the entry', () => {
    const parse = () => parseConfig({ PIPIT_TRUST_PROXY: '10.0.0.0/8, proxy.internal' })
    expect(parse).toThrow(ConfigError)
    expect(parse).toThrow(/PIPIT_TRUST_PROXY: "proxy\.internal" is not a hop count/)
  })
})
