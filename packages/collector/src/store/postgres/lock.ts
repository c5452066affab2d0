import type pg from 'pg'

/**
 * Advisory lock keys of the adapter (one 64-bit key space per database).
 * Arbitrary constants, chosen so they do not look like anybody else's.
 */
export const LOCKS = {
  /** Held while migrations are checked and applied. */
  migrate: 7_170_001,
  /** Held while partitions of `events` are created or detached. */
  partitions: 7_170_002,
  /** Held while a detached month's `event_ids` are deleted and its table dropped. */
  purging: 7_170_003,
} as const

/**
 * Runs `work` in one transaction on a client of the pool: COMMIT when it
 * resolves, ROLLBACK when it throws.
 */
export async function transaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

/**
 * Runs `work` in a transaction holding the advisory lock `key` (released at
 * COMMIT or ROLLBACK, also when the connection dies).
 */
export function withLock<T>(
  pool: pg.Pool,
  key: number,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return transaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [key])
    return work(client)
  })
}

/** Error codes after which a whole (rolled back) transaction is worth another try. */
const RETRYABLE = new Set(['40P01', '40001'])

/** True for a deadlock or a serialization failure: the transaction changed nothing. */
export function isRetryable(error: unknown): boolean {
  return RETRYABLE.has((error as { code?: string }).code ?? '')
}

/**
 * Runs a one-statement (or one-transaction) `work` again, up to three times in
 * all, when PostgreSQL rolled it back for a deadlock or a serialization
 * failure: it changed nothing, so repeating it is safe.
 */
export async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (attempt >= 3 || !isRetryable(error)) throw error
    }
  }
}
