import { createHash } from 'node:crypto'
import type { EventStore } from '../store/types'

/** How long a visitor hash stays "active" for the midnight hand-over (a session's timeout). */
const ACTIVE_MS = 30 * 60_000
const DAY_MS = 86_400_000

export interface VisitorHasher {
  /**
   * A visitor id for an event that carries no client id: a hash of the day's
   * secret salt, the site, the anonymised IP and the user agent. Nothing in
   * it can be turned back into the IP, and once the salt is deleted (after two
   * days) not even the collector can recompute it.
   */
  visitorId(
    siteId: string,
    anonymizedIp: string | null,
    userAgent: string | null,
    at: number,
  ): Promise<string>
  /** How many recent visitor hashes are held for the midnight hand-over (at most `maxActive`). */
  tracked(): number
}

/**
 * Recent visitors held for the midnight hand-over, at most: about 100 bytes
 * each, so 20-30 MB. Past it the least recently seen are forgotten first; all
 * they lose is being one visitor across midnight.
 */
const MAX_ACTIVE = 200_000

/**
 * Daily-rotating visitor hashes, as Plausible counts cookieless visitors. The
 * previous day's salt is kept: a visitor active in the last 30 minutes under
 * yesterday's hash keeps it after midnight, so a visit spanning midnight is
 * one visitor, not two.
 */
export function createVisitorHasher(
  store: EventStore,
  options: { maxActive?: number } = {},
): VisitorHasher {
  const maxActive = options.maxActive ?? MAX_ACTIVE
  const salts = new Map<string, Uint8Array>()
  /** Hash → last seen, in the order last seen (re-inserted on every event), oldest first. */
  const active = new Map<string, number>()

  async function salt(day: string): Promise<Uint8Array> {
    let s = salts.get(day)
    if (!s) {
      s = await store.saltForDay(day, 2)
      if (salts.size > 4) salts.clear()
      salts.set(day, s)
    }
    return s
  }

  function hash(s: Uint8Array, siteId: string, ip: string, ua: string): string {
    const h = createHash('sha256').update(s).update(`\0${siteId}\0${ip}\0${ua}`).digest('base64url')
    return `v_${h.slice(0, 22)}`
  }

  /**
   * Drops expired and surplus entries from the oldest end: each entry is
   * dropped once, so the cost per event is constant, however many visitors.
   */
  function prune(at: number): void {
    for (const [k, seen] of active) {
      if (at - seen <= ACTIVE_MS && active.size <= maxActive) break
      active.delete(k)
    }
  }

  return {
    async visitorId(siteId, anonymizedIp, userAgent, at) {
      const ip = anonymizedIp ?? ''
      const ua = userAgent ?? ''
      const today = new Date(at).toISOString().slice(0, 10)
      const yesterday = new Date(at - DAY_MS).toISOString().slice(0, 10)
      const current = hash(await salt(today), siteId, ip, ua)
      let id = current
      if (!active.has(current)) {
        const previous = hash(await salt(yesterday), siteId, ip, ua)
        const seen = active.get(previous)
        if (seen !== undefined && at - seen <= ACTIVE_MS) id = previous
      }
      active.delete(id)
      active.set(id, at)
      prune(at)
      return id
    },
    tracked: () => active.size,
  }
}
