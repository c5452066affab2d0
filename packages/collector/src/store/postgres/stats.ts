import type { Pool } from 'pg'
import { createStatsEngine } from '../../stats/engine'
import type { StatsStore } from '../types'
import type { PostgresAggregator } from './aggregate'
import { createPostgresAggregator } from './aggregate'
import { transaction } from './lock'
import { postgresRollupSource } from './rollup-source'

/**
 * The PostgreSQL `StatsStore`: the shared stats engine over
 * `postgresRollupSource`, the aggregation of `aggregate.ts`, and rollup
 * retention. `aggregator` is exposed for the event log's hooks (a time zone
 * change redraws every day).
 */
export function postgresStatsStore(pool: Pool): StatsStore & { aggregator: PostgresAggregator } {
  const aggregator = createPostgresAggregator(pool)
  const ROLLUPS = ['agg_sessions', 'agg_hours', 'agg_days', 'agg_facts']
  return {
    ...createStatsEngine(postgresRollupSource(pool)),
    aggregator,
    aggregate: (options = {}) =>
      options.rebuild ? aggregator.rebuild(options) : aggregator.pass(options),
    aggregationBehind: () => aggregator.behind(),
    purgeRollups: (siteId, beforeDay, dryRun) =>
      transaction(pool, async (client) => {
        const { rows } = await client.query<{ n: number }>(
          'SELECT COUNT(*)::int AS n FROM agg_sessions WHERE site_id = $1 AND day < $2',
          [siteId, beforeDay],
        )
        if (!dryRun) {
          for (const table of ROLLUPS) {
            await client.query(`DELETE FROM ${table} WHERE site_id = $1 AND day < $2`, [
              siteId,
              beforeDay,
            ])
          }
        }
        return rows[0]!.n
      }),
  }
}
