#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { ConfigError, parseConfig } from './config'
import type { FirstStart } from './node/bootstrap'
import { errorFields, createLogger } from './node/log'
import { keysFileOf, writeFirstStartKeys } from './node/first-start-keys'
import { startServer } from './node/server'
import { KeyAdminError } from './auth/key-admin'
import { keysCommand } from './cli-keys'
import { purgeExpired } from './gdpr/retention'
import { migrateStore } from './store/migrate'
import { openStore } from './store/open'

const help = `pipit — the Pipit collector

Usage:
  pipit serve [options]    run the collector (SQLite by default)
  pipit purge [options]    delete raw events past each site's retention (also runs hourly in serve)
  pipit aggregate [--rebuild] [--site ID]   roll up new events (serve does this every 5 s);
                           --rebuild recomputes every day that still has raw events
  pipit migrate --to URL [--from DB]   copy everything to another database (e.g. PostgreSQL)
  pipit keys list [--site ID]                  list keys (secrets of read/admin keys are never shown)
  pipit keys create --site ID --scope SCOPE    new write, read or admin key, shown once
  pipit keys rotate KEY_ID                     new key of the same scope; the old one is revoked
  pipit keys revoke KEY_ID
  pipit --help             show this help

Options for serve (each also read from the environment):
  --port <n>           port to listen on                    PORT (8787)
  --host <addr>        address to bind                      HOST (127.0.0.1)
  --db <file|url>      SQLite file or postgres:// URL       PIPIT_DB (./data/pipit.db)
  --example-dir <dir>  folder served at /example/ with the demo site's write key
                       PIPIT_ADMIN_KEY sets the instance admin key (>= 16 chars)

Options for migrate (copies sites, keys, goals, suppressions, audit and events;
safe to re-run; rollups are rebuilt by the target):
  --from <file|url>    the database to copy                 PIPIT_DB (./data/pipit.db)
  --to <file|url>      the database to copy into, e.g. postgres://user:pass@host:5432/pipit

Options for aggregate:
  --db <file|url>      SQLite file or postgres:// URL       PIPIT_DB (./data/pipit.db)

Options for purge:
  --db <file|url>      SQLite file or postgres:// URL       PIPIT_DB (./data/pipit.db)
  --dry-run            only count what would be deleted
  --site <id>          one site only
  --now <ISO time>     apply the policy as of this time (default: now)

On a first start with an empty database, serve creates the site "demo" and
prints its keys once on a terminal; when stdout is not a terminal (a service),
the secret keys go to <db>.first-start-keys (mode 0600) instead, or with a
PostgreSQL database to ./pipit.first-start-keys (PIPIT_FIRST_START_KEYS_FILE
names another file).
`

function banner(
  url: string,
  first: FirstStart | undefined,
  exampleDir: string | undefined,
  keysFile: string | undefined,
): string {
  const lines = [
    '',
    `  Pipit collector is running at ${url}`,
    `    Dashboard:     ${url}/`,
    ...(exampleDir ? [`    Example page:  ${url}/example/`] : []),
    `    Ingest:        POST ${url}/v1/batch`,
  ]
  if (first && keysFile) {
    lines.push(
      '',
      `  First start: created the site "${first.siteId}".`,
      `    Write key (public, goes in your pages):   ${first.writeKey}`,
      `  The secret keys were written to ${keysFile}`,
      '  (readable by its owner only): store them somewhere safe, then delete the file.',
    )
  } else if (first) {
    lines.push(
      '',
      `  First start: created the site "${first.siteId}".`,
      `    Write key (public, goes in your pages):   ${first.writeKey}`,
      `    Read key (secret, dashboard + stats API): ${first.readKey}`,
      ...(first.adminKey
        ? [`    Admin key (secret, creates sites):        ${first.adminKey}`]
        : []),
      '  The secret keys are shown only this once: keep them somewhere safe.',
    )
  }
  return lines.join('\n') + '\n\n'
}

/** A one-line progress bar on a terminal; on anything else, a line every 10%. */
function progressBar(out: NodeJS.WriteStream, unit = 'days') {
  let lastTenth = -1
  let lastLabel: string | undefined
  return {
    /** `label`: what is being worked on (a day, a site); a new site's progress starts a new bar. */
    update(p: { done: number; total: number; label: string }) {
      const share = p.total ? p.done / p.total : 1
      if (unit !== 'days' && p.label !== lastLabel) {
        if (lastLabel !== undefined && out.isTTY) out.write('\n')
        lastLabel = p.label
        lastTenth = -1
      }
      if (out.isTTY) {
        const width = 30
        const filled = Math.round(share * width)
        out.write(
          `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ${unit}  ${p.label} `,
        )
      } else if (Math.floor(share * 10) > lastTenth) {
        lastTenth = Math.floor(share * 10)
        out.write(`${p.label}: ${Math.round(share * 100)}% (${p.done}/${p.total} ${unit})\n`)
      }
    },
    done() {
      if (out.isTTY) out.write('\n')
    },
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'example-dir': { type: 'string' },
      'dry-run': { type: 'boolean' },
      site: { type: 'string' },
      now: { type: 'string' },
      scope: { type: 'string' },
      rebuild: { type: 'boolean' },
    },
  })
  const command = positionals[0]
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(help)
    return 0
  }
  if (command === 'keys') {
    const config = parseConfig(process.env, { db: values.db })
    const store = await openStore(config.db, { threads: 'inline' })
    try {
      return await keysCommand(
        store,
        { action: positionals[1], keyId: positionals[2], site: values.site, scope: values.scope },
        (line) => process.stdout.write(line + '\n'),
      )
    } finally {
      await store.close()
    }
  }
  if (command === 'purge') {
    const config = parseConfig(process.env, { db: values.db })
    const now = values.now ? Date.parse(values.now) : Date.now()
    if (Number.isNaN(now)) throw new ConfigError([`--now: not a date: ${values.now}`])
    const store = await openStore(config.db, { threads: 'inline' })
    try {
      const dryRun = values['dry-run'] ?? false
      const results = await purgeExpired(store, {
        now,
        dryRun,
        actor: 'cli',
        ...(values.site ? { siteId: values.site } : {}),
      })
      for (const r of results) {
        const verb = dryRun ? 'would delete' : 'deleted'
        process.stdout.write(
          `${r.siteId}: ${verb} ${r.rows} raw events before ${new Date(r.before).toISOString()}\n`,
        )
      }
    } finally {
      await store.close()
    }
    return 0
  }
  if (command === 'aggregate') {
    const config = parseConfig(process.env, { db: values.db })
    // Background threads: a rebuild recomputes days on every core.
    const store = await openStore(config.db)
    try {
      const bar = progressBar(process.stderr)
      const result = await store.aggregate({
        rebuild: values.rebuild ?? false,
        ...(values.site ? { siteId: values.site } : {}),
        onProgress: (p) => bar.update({ ...p, label: p.day }),
      })
      bar.done()
      process.stdout.write(
        `aggregated ${result.days} days (${result.visits} visits, ${result.events} new events) in ${(result.ms / 1000).toFixed(1)} s\n`,
      )
    } finally {
      await store.close()
    }
    return 0
  }
  if (command === 'migrate') {
    if (!values.to) {
      throw new ConfigError(['--to: where to copy to, a SQLite file or a postgres:// URL'])
    }
    const from = parseConfig(process.env, { db: values.from ?? values.db }).db
    const to = parseConfig({}, { db: values.to }).db
    if (JSON.stringify(from) === JSON.stringify(to)) {
      throw new ConfigError(['--to: the same database as --from'])
    }
    const source = await openStore(from, { threads: 'inline' })
    try {
      const target = await openStore(to, { threads: 'inline' })
      try {
        const bar = progressBar(process.stderr, 'events')
        const r = await migrateStore(source, target, {
          onProgress: (p) => bar.update({ ...p, label: p.siteId }),
        })
        bar.done()
        process.stdout.write(
          `copied ${r.sites} sites, ${r.keys} keys, ${r.goals} goals, ${r.suppressions} suppressions, ` +
            `${r.audit} audit entries and ${r.events} events (${r.inserted} new)\n`,
        )
      } finally {
        await target.close()
      }
    } finally {
      await source.close()
    }
    return 0
  }
  if (command !== 'serve') {
    process.stderr.write(`pipit: unknown command "${command}"\n\n${help}`)
    return 2
  }
  const config = parseConfig(process.env, {
    port: values.port,
    host: values.host,
    db: values.db,
  })
  const logger = createLogger()
  const server = await startServer({ config, exampleDir: values['example-dir'], logger })
  // Secret keys only to a person at a terminal; a service's log keeps what it is given.
  const first = server.firstStart
  const keysFile =
    first && !process.stdout.isTTY
      ? writeFirstStartKeys(
          config.firstStartKeysFile ??
            // A server database has no file to sit beside: the working directory, then.
            keysFileOf(config.db.kind === 'sqlite' ? config.db.path : 'pipit'),
          first,
        )
      : undefined
  if (keysFile) logger.info('first start: secret keys written', { file: keysFile })
  process.stdout.write(banner(server.url, first, values['example-dir'], keysFile))
  const stop = (signal: string) => {
    logger.info('stopping', { signal })
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
  return -1
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof KeyAdminError) {
      process.stderr.write(`pipit: ${error.message}\n`)
    } else if (
      error instanceof TypeError &&
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`pipit: ${error.message}\n\n${help}`)
    } else {
      process.stderr.write(`pipit: could not start: ${JSON.stringify(errorFields(error))}\n`)
    }
    process.exitCode = 1
  },
)
