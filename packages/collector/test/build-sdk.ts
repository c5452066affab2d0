import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * Vitest global setup: the collector serves the SDK's and the consent
 * banner's script-tag builds at `/pipit.js` and `/pipit-consent.js`, and the
 * dashboard at `/`, so browser tests need them built from the current source.
 */
export default function setup(): void {
  if (process.env.PIPIT_SKIP_SDK_BUILD === '1') return
  const packages = ['@pipit/sdk', '@pipit/consent', '@pipit/dashboard']
  execFileSync('npm', ['run', 'build', '--silent', ...packages.flatMap((p) => ['-w', p])], {
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    stdio: 'pipe',
  })
}
