import type { AuditEntry, EventStore } from './types'

export interface MigrateProgress {
  siteId: string
  /** Events of the site copied so far (stored now or found already there). */
  done: number
  /** Events the site holds in the source. */
  total: number
}

export interface MigrateResult {
  sites: number
  keys: number
  goals: number
  suppressions: number
  audit: number
  /** Events read from the source. */
  events: number
  /** Of those, events the target did not have yet. */
  inserted: number
}

/**
 * Copies everything a collector holds from one store to another through the
 * store contract alone (so any pair of adapters works): sites with their
 * settings, keys (hashes only, revocations included), goals, suppressions,
 * the audit log and every raw event. Safe to re-run, e.g. after an
 * interruption or to catch up before a switch: sites are updated to match,
 * keys, goals and suppressions are added when missing, events are
 * deduplicated on (site, messageId) by the target, and audit entries the
 * target already holds (counted per site, oldest first) are not copied
 * again. Rollups are not copied: the target aggregates the events it gets.
 * Daily salts are not copied either (they are secrets that never leave a
 * store), so a cookieless visitor seen on both sides of the move on the
 * same day counts twice that day.
 *
 * @example
 * await migrateStore(sqlite, postgres, { onProgress: (p) => console.log(p.done, p.total) })
 */
export async function migrateStore(
  from: EventStore,
  to: EventStore,
  options: { pageSize?: number; onProgress?: (p: MigrateProgress) => void } = {},
): Promise<MigrateResult> {
  const pageSize = options.pageSize ?? 2_000
  const result: MigrateResult = {
    sites: 0,
    keys: 0,
    goals: 0,
    suppressions: 0,
    audit: 0,
    events: 0,
    inserted: 0,
  }
  const sites = await from.listSites()
  for (const site of sites) {
    const existing = await to.getSite(site.id)
    if (existing) {
      const { name, timezone, domain, settings } = site
      await to.updateSite(site.id, { name, timezone, domain, settings })
    } else {
      await to.createSite(site)
    }
    result.sites++
  }
  for (const siteId of [null, ...sites.map((s) => s.id)]) {
    for (const key of await from.listKeys(siteId)) {
      const there = await to.getKey(key.id)
      if (!there) {
        await to.createKey(key)
        result.keys++
      } else if (key.revokedAt !== null && there.revokedAt === null) {
        await to.revokeKey(key.id, key.revokedAt)
      }
    }
  }
  for (const site of sites) {
    const goals = new Set((await to.listGoals(site.id)).map((g) => g.id))
    for (const goal of await from.listGoals(site.id)) {
      if (goals.has(goal.id)) continue
      await to.createGoal(goal)
      result.goals++
    }
    for (const entry of await from.listSuppressions(site.id)) {
      if (await to.addSuppression(entry)) result.suppressions++
    }
    result.audit += await copyAudit(from, to, site.id)

    const total = await from.countEvents(site.id)
    let done = 0
    let cursor: string | null = null
    do {
      const page = await from.eventPage(site.id, cursor, pageSize)
      if (page.events.length > 0) {
        const outcomes = await to.insertEvents(page.events)
        result.inserted += outcomes.filter((o) => o === 'inserted').length
      }
      done += page.events.length
      result.events += page.events.length
      options.onProgress?.({ siteId: site.id, done, total })
      cursor = page.next
    } while (cursor !== null)
  }
  return result
}

/** Copies the audit entries the target does not hold yet (it holds a prefix, oldest first). */
async function copyAudit(from: EventStore, to: EventStore, siteId: string): Promise<number> {
  const all = Number.MAX_SAFE_INTEGER
  const source = (await from.listAudit(siteId, all)).reverse()
  const held = (await to.listAudit(siteId, all)).length
  const missing: AuditEntry[] = source.slice(held)
  for (const entry of missing) await to.appendAudit(entry)
  return missing.length
}
