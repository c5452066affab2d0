import type { EventStore } from '../store/types'

const DAY_MS = 86_400_000

export interface PurgeResult {
  siteId: string
  /** Raw events before this instant are (or would be) gone. */
  before: number
  rows: number
  /** Visits (with their rollups) of local days before `rollupsBefore` deleted (or that would be). */
  visits: number
  rollupsBefore: string
}

/**
 * Applies every site's retention policy: raw events older than
 * `retentionDays` go, and so do the rollups (visits and their hourly and
 * daily rows) of local days older than `rollupRetentionDays`. Rollups of days
 * whose raw events are gone stay as they were and are never recomputed. With
 * `dryRun` nothing is deleted and the counts say what would go. Real purges
 * that remove raw rows are written to the audit log.
 *
 * @example
 * const results = await purgeExpired(store, { now: Date.now(), dryRun: true, actor: 'cli' })
 */
export async function purgeExpired(
  store: EventStore,
  options: { now: number; dryRun: boolean; actor: string; siteId?: string },
): Promise<PurgeResult[]> {
  const sites = (await store.listSites()).filter((s) => !options.siteId || s.id === options.siteId)
  const results: PurgeResult[] = []
  for (const site of sites) {
    const before = options.now - site.settings.retentionDays * DAY_MS
    const rows = await store.purgeEvents(site.id, before, options.dryRun)
    const rollupsBefore = new Date(
      options.now - site.settings.rollupRetentionDays * DAY_MS,
    ).toLocaleDateString('sv-SE', { timeZone: site.timezone })
    const visits = await store.purgeRollups(site.id, rollupsBefore, options.dryRun)
    if (!options.dryRun && rows > 0) {
      await store.appendAudit({
        siteId: site.id,
        at: options.now,
        actor: options.actor,
        action: 'purge',
        subjectKind: null,
        subjectId: null,
        rows,
      })
    }
    results.push({ siteId: site.id, before, rows, visits, rollupsBefore })
  }
  return results
}
