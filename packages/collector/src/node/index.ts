/**
 * The collector bound to Node: `startServer` opens the SQLite store and
 * serves the app with `@hono/node-server`.
 *
 * @example
 * import { startServer } from '@pipit/collector/node'
 * import { parseConfig } from '@pipit/collector'
 * const server = await startServer({ config: parseConfig(process.env) })
 */
export { startServer } from './server'
export type { RunningServer, StartServerOptions } from './server'
export { createLogger } from './log'
export type { Logger } from './log'
export type { FirstStart } from './bootstrap'
