import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { keysFileOf } from '../src/node/first-start-keys'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

export interface CollectorProcess {
  url: string
  child: ChildProcess
  /** Everything the process printed so far. */
  output(): string
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/**
 * Starts `pipit serve` from source as its own process on a free port of
 * 127.0.0.1 and resolves once it listens and has printed its banner.
 */
export function startCollectorProcess(options: {
  db: string
  env?: Record<string, string>
  args?: string[]
}): Promise<CollectorProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      cli,
      'serve',
      '--port',
      '0',
      '--db',
      options.db,
      ...(options.args ?? []),
    ],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        // Stats read right after ingest wait for the aggregation, however slow the machine.
        PIPIT_STATS_FRESHNESS_MS: '60000',
        // Dashboard and end-to-end tests query more than a person would; the read limit
        // has its own tests (src/routes/limits.test.ts, test/abuse-e2e.test.ts).
        PIPIT_RATE_LIMIT_READ: '0',
        // A server database's first start would write its keys file into the working directory.
        ...(/^postgres(ql)?:/.test(options.db)
          ? { PIPIT_FIRST_START_KEYS_FILE: join(tmpdir(), `pipit-keys-${randomUUID()}`) }
          : {}),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))

  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`collector did not start:\n${out}`)), 20_000)
    const onData = () => {
      const match = out.match(/"msg":"listening","url":"(http:\/\/[^"]+)"/)
      // Ready once the banner (printed in one write after listening) is complete.
      if (!match || !/collector is running at[\s\S]*\n\n/.test(out)) return
      clearTimeout(timeout)
      child.stdout.off('data', onData)
      resolve({
        url: match[1]!,
        child,
        output: () => out,
        stop(signal = 'SIGTERM') {
          if (child.exitCode === null) child.kill(signal)
          return exited
        },
      })
    }
    child.stdout.on('data', onData)
    void exited.then((code) => {
      clearTimeout(timeout)
      reject(new Error(`collector exited with ${code}:\n${out}`))
    })
  })
}

/**
 * The keys a first start wrote next to the database (a test's collector has
 * no terminal, so its secret keys are never printed).
 */
export function firstStartKeys(db: string): {
  file: string
  writeKey: string
  readKey: string
  adminKey?: string
} {
  const file = keysFileOf(db)
  const values = Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => /^\w+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ) as Record<string, string>
  return {
    file,
    writeKey: values.write_key!,
    readKey: values.read_key!,
    ...(values.admin_key ? { adminKey: values.admin_key } : {}),
  }
}
