import { describe, expect, it } from 'vitest'
import { measure } from '../../../scripts/bundle-size.js'

// The size budget itself is a build check (`npm run build`, `npm run bench`);
// this checks what the browser bundle is made of.
describe('browser bundle', () => {
  it('holds the tracker and idb-keyval, but neither zod nor the consent banner nor Node code', async () => {
    const { code, inputs } = await measure('sdk')
    expect(inputs.some((p) => p.includes('idb-keyval'))).toBe(true)
    expect(inputs.some((p) => p.includes('src/core/tracker.ts'))).toBe(true)
    const foreign = inputs.filter((p) =>
      /node_modules\/(zod|@pipit\/consent|@pipit\/collector)|packages\/(consent|collector|protocol\/src\/schema\.ts)/.test(
        p,
      ),
    )
    expect(foreign).toEqual([])
    expect(code).not.toMatch(/ZodError|safeParse|consent-banner|node:/)
  })
})

describe('React Native bundle', () => {
  it('holds the core and the React Native platform only: no browser platform, idb-keyval, DOM or react-native import', async () => {
    const { code, inputs } = await measure('sdk-react-native')
    expect(
      inputs.filter((p) => !/packages\/sdk\/src\/(core|platform\/react-native)\//.test(p)),
    ).toEqual(['packages/sdk/src/react-native.ts', '<stdin>'])
    // The injected modules are never imported: nothing for Metro to resolve, nothing for the web.
    expect(code).not.toMatch(/from\s*["'](react-native|@react-native)/)
    expect(code).not.toMatch(/indexedDB|navigator\.|document\.|window\.|sendBeacon|keepalive/)
  })
})
