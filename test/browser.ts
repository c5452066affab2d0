import { execFileSync } from 'node:child_process'
import type { Browser } from 'playwright-core'
import { chromium } from 'playwright-core'

/** Debian's chromium, found on PATH; undefined when it is not installed. */
export function chromiumPath(): string | undefined {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

/**
 * Launches headless Chromium with the flags this machine needs. In CI a
 * missing browser is an error, never a skip.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath()
  if (!executablePath) throw new Error('chromium is not installed (apt-get install chromium)')
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-features=LocalNetworkAccessChecks',
    ],
  })
}

/** Whether browser tests run here: always in CI, locally only when chromium is installed. */
export const browserTestsEnabled = process.env.CI === 'true' || chromiumPath() !== undefined
