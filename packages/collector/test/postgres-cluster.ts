import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A throw-away PostgreSQL server on 127.0.0.1, for tests, benchmarks and `npm run pg:server`. */
export interface PostgresCluster {
  /** Superuser URL of the `postgres` database, e.g. `postgres://postgres@127.0.0.1:54321/postgres`. */
  url: string
  /** The server's version, e.g. `15`. */
  version: string
  /** Stops the server and removes its folder. */
  stop(): Promise<void>
}

/**
 * The newest installed PostgreSQL's binaries: Debian's
 * `/usr/lib/postgresql/<major>/bin`, else the folder of an `initdb` on PATH;
 * null when there is none.
 */
export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql'
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (majors[0]) return join(root, majors[0], 'bin')
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir
  }
  return null
}

/**
 * Starts a new cluster in a temporary folder: `initdb` then `pg_ctl start`,
 * listening on 127.0.0.1 only, on a free port, with its socket in that folder
 * and trust authentication (nothing but this machine can reach it). `initdb`
 * refuses to run as root, so as root the server runs as the `postgres` user,
 * which owns the folder. `fsync: false` (the default) trades crash safety for
 * speed: right for tests, wrong for benchmarks of durable commits.
 *
 * @example
 * const cluster = await startPostgresCluster(findPostgresBin()!)
 * const pool = new pg.Pool({ connectionString: cluster.url })
 * // ...
 * await cluster.stop()
 */
export async function startPostgresCluster(
  bin: string,
  options: { fsync?: boolean } = {},
): Promise<PostgresCluster> {
  const asRoot = process.getuid?.() === 0
  const dir = mkdtempSync(join(tmpdir(), 'pipit-pg-'))
  const exec = async (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, tool)
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args
    return run(command, argv, { cwd: dir, timeout: 60_000 })
  }
  try {
    if (asRoot) {
      const ids = await Promise.all(['-u', '-g'].map((flag) => run('id', [flag, 'postgres'])))
      const [uid, gid] = ids.map((r) => Number(r.stdout.trim()))
      chownSync(dir, uid!, gid!)
    }
    const data = join(dir, 'data')
    await exec('initdb', [
      ...['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'],
      '--no-sync',
    ])
    const fsync = options.fsync === true ? 'on' : 'off'
    let port = 0
    // A free port can be taken between the probe and the server's bind: try another.
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      const settings = [
        `-p ${port}`,
        "-c listen_addresses='127.0.0.1'",
        `-c unix_socket_directories='${dir}'`,
        `-c fsync=${fsync}`,
        `-c full_page_writes=${fsync}`,
        '-c max_connections=200',
      ].join(' ')
      const log = join(dir, 'server.log')
      try {
        await exec('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', '-o', settings, 'start'])
        break
      } catch (error) {
        if (attempt === 3) throw error
      }
    }
    const { stdout } = await exec('pg_ctl', ['--version'])
    const version = /(\d+)(?:\.\d+)?/.exec(stdout)?.[1] ?? 'unknown'
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      version,
      async stop() {
        await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined)
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}
