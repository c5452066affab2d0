import { afterEach, beforeEach, expect, vi } from 'vitest'

/**
 * Tests are silent: any console output a test did not ask for fails it. A test
 * that expects a log spies on the method itself (`vi.spyOn(console, 'warn')`),
 * which replaces this spy for its duration.
 */
const methods = ['log', 'info', 'warn', 'error', 'debug'] as const
const spies = new Map<string, { mock: { calls: unknown[][] } }>()

beforeEach(() => {
  for (const m of methods) spies.set(m, vi.spyOn(console, m))
})

afterEach(() => {
  const calls = methods.flatMap((m) =>
    (spies.get(m)?.mock.calls ?? []).map(
      (args: unknown[]) => `console.${m}: ${args.map((a) => String(a)).join(' ')}`,
    ),
  )
  vi.restoreAllMocks()
  expect(calls, 'unexpected console output').toEqual([])
})
