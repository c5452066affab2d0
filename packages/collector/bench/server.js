// Shared by the benchmarks: a server in its own process on 127.0.0.1.
import { spawn } from 'node:child_process'

/** Starts a server process and resolves with its URL once it logs that it listens. */
export function startProcess(args, env = {}) {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const match = out.match(/"msg":"listening","url":"(http:\/\/[^"]+)"/)
      if (match) resolve({ url: match[1], child, pid: child.pid })
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
  })
}

/** Stops a server started by `startProcess` and waits for it to exit. */
export function stop(server) {
  return new Promise((done) => {
    server.child.once('exit', done)
    server.child.kill('SIGTERM')
  })
}
