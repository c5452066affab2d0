import { findPostgresBin, startPostgresCluster } from './postgres-cluster'

/**
 * `npm run pg:server -w @pipit/collector`: a throw-away PostgreSQL server on
 * 127.0.0.1 for trying the adapter locally. Prints its URL and stops (and
 * deletes its data) on Ctrl-C. Run the tests against it with
 * `PIPIT_TEST_POSTGRES_URL=<url> npx vitest run packages/collector/src/store`.
 */
const bin = findPostgresBin()
if (!bin) {
  console.error('No PostgreSQL found: install it (apt-get install postgresql).')
  process.exit(1)
}
const cluster = await startPostgresCluster(bin, { fsync: true })
console.log(`PostgreSQL ${cluster.version} listening: ${cluster.url}`)
console.log('Ctrl-C stops it and deletes its data.')
// The server is a daemon of its own: without a timer nothing would keep this process (and
// its Ctrl-C handler) alive.
const alive = setInterval(() => undefined, 86_400_000)
const stop = () => {
  clearInterval(alive)
  cluster.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
