import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * Vitest global setup: the collector serves the SDK's script-tag build at
 * `/pipit.js`, so browser tests need it built from the current source.
 */
export default function setup(): void {
  if (process.env.PIPIT_SKIP_SDK_BUILD === '1') return
  execFileSync('npm', ['run', 'build', '--silent', '-w', '@pipit/sdk'], {
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    stdio: 'pipe',
  })
}
