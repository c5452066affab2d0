import type pg from 'pg'
import { LOCKS, withLock } from './lock'

/**
 * A partition of `events`: a UTC month, or everything before 2000. Its name
 * and bounds (ms since epoch, [from, to); from is -Infinity for MINVALUE).
 */
export interface Month {
  name: string
  from: number
  to: number
}

/**
 * Events before this (2000-01-01) share one partition. The collector clamps
 * future timestamps but not past ones: without a floor, a client sending
 * timestamps scattered over centuries would make a table per month of them.
 * From 2000 on there are at most ~12 a year, and retention drops them.
 */
export const FLOOR = Date.UTC(2000, 0, 1)
const BEFORE_FLOOR: Month = { name: 'events_before_2000', from: -Infinity, to: FLOOR }

/** The partition a timestamp falls in. */
export function monthOf(timestamp: number): Month {
  if (timestamp < FLOOR) return BEFORE_FLOOR
  const d = new Date(timestamp)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth()
  return {
    name: `events_${y}_${String(m + 1).padStart(2, '0')}`,
    from: Date.UTC(y, m, 1),
    to: Date.UTC(y, m + 1, 1),
  }
}

/** The partition of a name made by `monthOf`, or undefined for any other table. */
export function monthOfName(name: string): Month | undefined {
  if (name === BEFORE_FLOOR.name) return BEFORE_FLOOR
  const match = /^events_(\d{4,})_(\d{2})$/.exec(name)
  if (!match) return undefined
  const month = monthOf(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1))
  return month.name === name ? month : undefined
}

/** True for the error of a row whose month has no partition (dropped by another instance). */
export function isMissingPartition(error: unknown): boolean {
  const e = error as { code?: string; message?: string }
  return e.code === '23514' && /no partition of relation/.test(e.message ?? '')
}

/**
 * Creates the monthly partitions of `events` that rows about to be inserted
 * need, once per process and month. Creation (and dropping, in retention)
 * happens under an advisory lock, so collectors racing to create the same
 * month never collide in the catalog; `IF NOT EXISTS` makes the loser's
 * attempt a no-op.
 */
export function createPartitioner(pool: pg.Pool) {
  const known = new Set<string>()
  // Most batches fall in one month: a bounds check on the last one found skips the Date work.
  let last: Month | undefined

  return {
    async ensure(timestamps: Iterable<number>): Promise<void> {
      const missing = new Map<string, Month>()
      for (const t of timestamps) {
        if (last && t >= last.from && t < last.to && known.has(last.name)) continue
        last = monthOf(t)
        if (!known.has(last.name)) missing.set(last.name, last)
      }
      if (missing.size === 0) return
      await withLock(pool, LOCKS.partitions, async (client) => {
        for (const m of missing.values()) {
          await client.query(
            `CREATE TABLE IF NOT EXISTS "${m.name}" PARTITION OF events
               FOR VALUES FROM (${Number.isFinite(m.from) ? m.from : 'MINVALUE'}) TO (${m.to})`,
          )
        }
      })
      for (const name of missing.keys()) known.add(name)
    },
    /** Forgets what this process knows (after a partition went missing under it). */
    forget(): void {
      known.clear()
    },
  }
}

export type Partitioner = ReturnType<typeof createPartitioner>

/** The partitions of `events` with their months, oldest first. */
export async function listPartitions(client: pg.ClientBase): Promise<Month[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'events'::regclass`,
  )
  return rows
    .map((r) => monthOfName(r.name))
    .filter((m): m is Month => m !== undefined)
    .sort((a, b) => a.from - b.from)
}
