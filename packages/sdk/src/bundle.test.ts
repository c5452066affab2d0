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
