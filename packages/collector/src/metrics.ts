import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * The collector's Prometheus metrics, one registry per app so tests and
 * several apps in one process do not share counts. Labels carry reasons and
 * routes only: never ids, URLs or anything from a payload.
 */
export function createMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry()
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'pipit_' })
  const events = new Counter({
    name: 'pipit_events_total',
    help: 'Events by outcome: accepted, duplicate, rejected, dropped.',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  })
  const bots = new Counter({
    name: 'pipit_bot_events_total',
    help: 'Events from bots by what identified them and what was done (flagged or dropped).',
    labelNames: ['action', 'reason'] as const,
    registers: [registry],
  })
  const requests = new Histogram({
    name: 'pipit_request_duration_seconds',
    help: 'Request latency by route and status class.',
    labelNames: ['route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  const commitEvents = new Histogram({
    name: 'pipit_commit_events',
    help: 'Events written per database transaction (group commit).',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [registry],
  })
  const commitRequests = new Histogram({
    name: 'pipit_commit_requests',
    help: 'Requests answered per database transaction (group commit).',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  })
  return { registry, events, bots, requests, commitEvents, commitRequests }
}

export type Metrics = ReturnType<typeof createMetrics>
