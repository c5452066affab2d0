import { unlinkSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { FirstStart } from './bootstrap'

/** Where the first start's secret keys go when no one is at a terminal to read them. */
export const keysFileOf = (dbPath: string) => `${resolve(dbPath)}.first-start-keys`

/**
 * Writes a first start's keys to a file (by default next to the database,
 * `keysFileOf`), readable and
 * writable by its owner only (mode 0600; the umask can only narrow it), and
 * answers its path. Used when stdout is not a terminal: a service manager's
 * log would keep secret keys for as long as it keeps logs, and show them to
 * everyone who may read them. A stale file from an earlier database of the
 * same name is replaced, never appended to.
 *
 * @example
 * const file = writeFirstStartKeys(keysFileOf('./data/pipit.db'), server.firstStart)
 */
export function writeFirstStartKeys(path: string, first: FirstStart): string {
  const file = resolve(path)
  const text = [
    `# Pipit first-start keys, created ${new Date().toISOString()}.`,
    '# Store the secret keys somewhere safe, then delete this file; they are shown nowhere else.',
    `site=${first.siteId}`,
    `write_key=${first.writeKey}`,
    `read_key=${first.readKey}`,
    ...(first.adminKey ? [`admin_key=${first.adminKey}`] : []),
    '',
  ].join('\n')
  const write = () => writeFileSync(file, text, { mode: 0o600, flag: 'wx' })
  try {
    write()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    unlinkSync(file)
    write()
  }
  return file
}
