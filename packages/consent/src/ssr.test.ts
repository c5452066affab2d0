// @vitest-environment node
import { expect, it } from 'vitest'
import { createConsentBanner, openConsentSettings } from './index'

it('does nothing during server-side rendering', () => {
  const banner = createConsentBanner({ tracker: { setConsent: () => {} } })
  expect(banner.choice).toBeUndefined()
  expect(() => {
    banner.open(true)
    banner.close()
    openConsentSettings()
    banner.destroy()
  }).not.toThrow()
})
