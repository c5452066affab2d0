import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'

/**
 * Fresh, empty PostgreSQL databases for tests, on the server the global
 * setup provides (`test/postgres-setup.ts`). `available` is false when there
 * is none (then `missing` says why and the tests skip).
 *
 * @example
 * const databases = postgresTestDatabases()
 * afterAll(() => databases.dispose())
 * describe.skipIf(!databases.available)('...', () => {
 *   it('...', async () => {
 *     const store = await createPostgresStore({ url: await databases.fresh() })
 *   })
 * })
 */
export function postgresTestDatabases() {
  const adminUrl = inject('postgresUrl')
  const missing = inject('postgresMissing')
  let admin: pg.Pool | undefined
  const created: string[] = []
  return {
    available: adminUrl !== null,
    missing,
    /** Creates an empty database and returns its URL. */
    async fresh(): Promise<string> {
      if (!adminUrl) throw new Error(`no PostgreSQL server: ${missing}`)
      admin ??= new pg.Pool({ connectionString: adminUrl, max: 2 })
      const name = `pipit_test_${randomBytes(6).toString('hex')}`
      await admin.query(`CREATE DATABASE ${name}`)
      created.push(name)
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      return url.toString()
    },
    /** Drops the databases made here (they matter on a shared server) and disconnects. */
    async dispose(): Promise<void> {
      if (!admin) return
      for (const name of created.splice(0)) {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      }
      await admin.end()
    },
  }
}
