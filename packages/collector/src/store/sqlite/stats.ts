import type Database from 'better-sqlite3'
import { createStatsEngine } from '../../stats/engine'
import type { StatsStore, MetaStore } from '../types'
import type { Aggregator } from './aggregate'
import type { AggregationThreads } from './aggregate-thread'
import { sqliteRollupSource } from './rollup-source'
import type { GoalRow } from './rows'
import { toGoal } from './rows'

type StatsMethods = StatsStore & Pick<MetaStore, 'listGoals' | 'createGoal' | 'deleteGoal'>

/**
 * The SQLite adapter's `StatsStore`: the shared stats engine over
 * `sqliteRollupSource`, aggregation by the aggregation threads (or inline),
 * rollup retention, and the goals table.
 */
export function statsMethods(
  db: Database.Database,
  aggregator: Aggregator,
  threads?: AggregationThreads,
): StatsMethods {
  const selectGoals = db.prepare<[string], GoalRow>(
    'SELECT * FROM goals WHERE site_id = ? ORDER BY created_at, id',
  )
  const insertGoal = db.prepare(
    'INSERT INTO goals (site_id, id, name, kind, value, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const removeGoal = db.prepare('DELETE FROM goals WHERE site_id = ? AND id = ?')
  const rollupTables = ['agg_sessions', 'agg_hours', 'agg_days', 'agg_facts']
  const purgeOld = rollupTables.map((t) =>
    db.prepare(`DELETE FROM ${t} WHERE site_id = ? AND day < ?`),
  )
  const countOld = db.prepare<[string, string], { n: number }>(
    'SELECT COUNT(*) AS n FROM agg_sessions WHERE site_id = ? AND day < ?',
  )
  const purgeRollups = db.transaction((siteId: string, beforeDay: string) => {
    const n = countOld.get(siteId, beforeDay)!.n
    for (const stmt of purgeOld) stmt.run(siteId, beforeDay)
    return n
  })

  return {
    ...createStatsEngine(sqliteRollupSource(db)),
    async aggregate(options = {}) {
      if (threads) return threads.run(options)
      return Promise.resolve(
        options.rebuild ? aggregator.rebuild(options) : aggregator.pass(options),
      )
    },
    aggregationBehind: () => Promise.resolve(aggregator.behind()),
    purgeRollups: (siteId, beforeDay, dryRun) =>
      Promise.resolve(
        dryRun ? countOld.get(siteId, beforeDay)!.n : purgeRollups(siteId, beforeDay),
      ),
    listGoals: (siteId) => Promise.resolve(selectGoals.all(siteId).map(toGoal)),
    createGoal(g) {
      insertGoal.run(g.siteId, g.id, g.name, g.kind, g.value, g.createdAt)
      return Promise.resolve()
    },
    deleteGoal: (siteId, id) => Promise.resolve(removeGoal.run(siteId, id).changes === 1),
  }
}
