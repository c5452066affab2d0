import { describe, expect, it } from 'vitest'
import {
  addDays,
  dayIn,
  daysIn,
  defaultInterval,
  describeRange,
  intervalsFor,
  previousOf,
  rangeOf,
} from './dates'

describe('site-local days', () => {
  it('reads the calendar day of an instant in the site zone, not the browser one', () => {
    const at = Date.parse('2026-03-10T23:30:00Z')
    expect(dayIn('UTC', at)).toBe('2026-03-10')
    expect(dayIn('Europe/Berlin', at)).toBe('2026-03-11')
    expect(dayIn('America/Los_Angeles', at)).toBe('2026-03-10')
    // Half- and quarter-hour offsets.
    expect(dayIn('Asia/Kolkata', Date.parse('2026-03-10T18:29:00Z'))).toBe('2026-03-10')
    expect(dayIn('Asia/Kolkata', Date.parse('2026-03-10T18:30:00Z'))).toBe('2026-03-11')
    expect(dayIn('Asia/Kathmandu', Date.parse('2026-03-10T18:15:00Z'))).toBe('2026-03-11')
  })

  it('adds days on the calendar, across DST changes, month and year ends', () => {
    expect(addDays('2026-03-28', 2)).toBe('2026-03-30') // Europe's spring change in between
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31')
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29')
    expect(daysIn('2026-03-01', '2026-03-31')).toBe(31)
    expect(daysIn('2026-03-29', '2026-03-29')).toBe(1)
  })

  it('computes every preset range ending today, and the previous period of the same length', () => {
    const today = '2026-03-10'
    expect(rangeOf('today', today)).toEqual({ from: today, to: today })
    expect(rangeOf('yesterday', today)).toEqual({ from: '2026-03-09', to: '2026-03-09' })
    expect(rangeOf('7d', today)).toEqual({ from: '2026-03-04', to: today })
    expect(rangeOf('30d', today)).toEqual({ from: '2026-02-09', to: today })
    expect(rangeOf('90d', today)).toEqual({ from: '2025-12-11', to: today })
    expect(rangeOf('mtd', today)).toEqual({ from: '2026-03-01', to: today })
    expect(rangeOf('custom', today, { from: '2026-01-05', to: '2026-01-20' })).toEqual({
      from: '2026-01-05',
      to: '2026-01-20',
    })
    // Reversed or missing custom days still give a valid range.
    expect(rangeOf('custom', today, { from: '2026-01-20', to: '2026-01-05' })).toEqual({
      from: '2026-01-05',
      to: '2026-01-20',
    })
    expect(rangeOf('custom', today, { from: 'nonsense' })).toEqual(rangeOf('30d', today))
    // As the API's overview computes `previous`.
    expect(previousOf('2026-03-01', '2026-03-30')).toEqual({ from: '2026-01-30', to: '2026-02-28' })
    expect(previousOf(today, today)).toEqual({ from: '2026-03-09', to: '2026-03-09' })
  })

  it('offers hourly series only up to 93 days (the API limit) and picks a sensible default', () => {
    expect(intervalsFor('2026-03-10', '2026-03-10')).toEqual(['hour', 'day'])
    expect(intervalsFor('2026-01-01', '2026-03-31')).toContain('hour') // 90 days
    expect(intervalsFor('2025-01-01', '2026-03-31')).not.toContain('hour')
    expect(defaultInterval('2026-03-10', '2026-03-10')).toBe('hour')
    expect(defaultInterval('2026-02-09', '2026-03-10')).toBe('day')
    expect(defaultInterval('2025-01-01', '2026-03-31')).toBe('week')
  })

  it('describes a range for people', () => {
    expect(describeRange('2026-03-10', '2026-03-10')).toMatch(/2026/)
    expect(describeRange('2026-03-01', '2026-03-30')).toMatch(/1.*30/)
  })
})
