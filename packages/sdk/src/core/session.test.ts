import { describe, expect, it } from 'vitest'
import { SESSION_IDLE_MS, SESSION_MAX_MS, touchSession } from './session'

describe('touchSession', () => {
  const t0 = Date.UTC(2026, 4, 1, 8)

  it('starts a session, keeps it while active, ends it after 30 minutes idle', () => {
    const a = touchSession(undefined, t0)
    expect(a).toEqual({ session: { id: t0, last: t0 }, started: true })
    const b = touchSession(a.session, t0 + SESSION_IDLE_MS - 1)
    expect(b).toEqual({ session: { id: t0, last: t0 + SESSION_IDLE_MS - 1 }, started: false })
    const c = touchSession(b.session, b.session.last + SESSION_IDLE_MS)
    expect(c.started).toBe(true)
    expect(c.session.id).toBe(b.session.last + SESSION_IDLE_MS)
  })

  it('ends a session after 24 hours however active', () => {
    let s = touchSession(undefined, t0).session
    for (let t = t0; t < t0 + SESSION_MAX_MS; t += 10 * 60_000) s = touchSession(s, t).session
    expect(s.id).toBe(t0)
    expect(touchSession(s, t0 + SESSION_MAX_MS).started).toBe(true)
  })

  it('keeps last activity monotonic for an older event', () => {
    const s = { id: t0, last: t0 + 5_000 }
    expect(touchSession(s, t0 + 1_000)).toEqual({ session: s, started: false })
  })
})
