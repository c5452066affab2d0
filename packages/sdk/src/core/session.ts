/** A browsing session, shared by every tab of one browser through storage. */
export interface Session {
  /** The session's start in ms, also its id (as Amplitude does): unique per browser, sortable. */
  id: number
  /** Last activity, ms. */
  last: number
}

export const SESSION_KEY = 'pipit:v1:session'
/** A session ends after 30 minutes without an event... */
export const SESSION_IDLE_MS = 30 * 60_000
/** ...and after 24 hours in any case, so one always-open tab still gets daily sessions. */
export const SESSION_MAX_MS = 24 * 60 * 60_000

/** Whether `s` still runs at `now`. */
export const isActive = (s: Session | undefined, now: number): s is Session =>
  !!s && now - s.last < SESSION_IDLE_MS && now - s.id < SESSION_MAX_MS && now >= s.id

/**
 * The session an event at `now` belongs to: the running one, touched, or a new
 * one (`started`).
 *
 * @example
 * const { session, started } = touchSession(stored, Date.now())
 */
export function touchSession(
  s: Session | undefined,
  now: number,
): { session: Session; started: boolean } {
  return isActive(s, now)
    ? { session: { id: s.id, last: Math.max(s.last, now) }, started: false }
    : { session: { id: now, last: now }, started: true }
}
