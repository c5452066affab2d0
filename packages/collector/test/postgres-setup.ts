import type { TestProject } from 'vitest/node'
import { findPostgresBin, startPostgresCluster } from './postgres-cluster'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test PostgreSQL server; null when there is none (see `postgresMissing`). */
    postgresUrl: string | null
    /** Why there is no PostgreSQL server for the tests, or null. */
    postgresMissing: string | null
  }
}

/**
 * Vitest global setup: a PostgreSQL server for the adapter's tests. With
 * `PIPIT_TEST_POSTGRES_URL` (a superuser's URL: tests create databases) that
 * server; else a throw-away cluster of the newest installed PostgreSQL on
 * 127.0.0.1, removed at teardown. Without PostgreSQL the tests skip, and say
 * why; in CI (`CI=true`) that is a failure instead.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const external = process.env.PIPIT_TEST_POSTGRES_URL
  if (external) {
    project.provide('postgresUrl', external)
    project.provide('postgresMissing', null)
    return
  }
  const bin = findPostgresBin()
  if (!bin) {
    const reason =
      'no PostgreSQL found (no /usr/lib/postgresql/*/bin, no initdb on PATH) and PIPIT_TEST_POSTGRES_URL unset: ' +
      'install it (apt-get install postgresql) or point PIPIT_TEST_POSTGRES_URL at a server'
    if (process.env.CI === 'true') throw new Error(`PostgreSQL tests cannot run in CI: ${reason}`)
    console.warn(`PostgreSQL tests skip: ${reason}`)
    project.provide('postgresUrl', null)
    project.provide('postgresMissing', reason)
    return
  }
  const cluster = await startPostgresCluster(bin)
  project.provide('postgresUrl', cluster.url)
  project.provide('postgresMissing', null)
  return () => cluster.stop()
}
