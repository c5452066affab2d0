import {
  batchEnvelopeSchema,
  batchResponseSchema,
  breakdownSchema,
  errorBodySchema,
  experimentListSchema,
  experimentSchema,
  funnelSchema,
  goalListSchema,
  goalSchema,
  messageSchema,
  overviewSchema,
  realtimeSchema,
  retentionSchema,
  timeseriesSchema,
} from '@pipit/protocol/schema'
import { z } from 'zod'
import { subjectSchema } from './routes/gdpr'
import { newKeySchema } from './routes/keys'
import { newSiteSchema, sitePatchSchema } from './routes/sites'
import {
  breakdownQuerySchema,
  experimentQuerySchema,
  funnelBodySchema,
  goalBodySchema,
  realtimeQuerySchema,
  retentionQuerySchema,
  statsQuerySchema,
  timeseriesQuerySchema,
} from './stats/schemas'

type Json = Record<string, unknown>

/** JSON Schema (2020-12, the dialect of OpenAPI 3.1) of what a client sends. */
const input = (schema: z.ZodType): Json =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' })
const output = (schema: z.ZodType): Json =>
  z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' })

/** Query parameters from an object schema's properties. */
function queryParams(schema: z.ZodType): Json[] {
  const json = input(schema) as { properties?: Record<string, Json>; required?: string[] }
  return Object.entries(json.properties ?? {}).map(([name, s]) => {
    const { description, ...rest } = s
    return {
      name,
      in: 'query',
      required: json.required?.includes(name) ?? false,
      ...(description ? { description } : {}),
      schema: rest,
      ...(name === 'filter' ? { style: 'form', explode: true } : {}),
    }
  })
}

const error = { $ref: '#/components/responses/Error' }
/** Every secret-key route: 429 is the per-key read limit (`PIPIT_RATE_LIMIT_READ`). */
const errors = { 400: error, 401: error, 403: error, 404: error, 429: error }
const json = (schema: Json, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
})
const table = (schema: Json) => ({
  description: 'OK (text/csv with `format=csv`)',
  content: { 'application/json': { schema }, 'text/csv': { schema: { type: 'string' } } },
})
const body = (schema: z.ZodType) => ({
  required: true,
  content: { 'application/json': { schema: input(schema) } },
})
const secret = [{ secretKey: [] }]
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } })

/**
 * The OpenAPI 3.1 document of the collector's HTTP API, generated from the
 * same zod schemas the routes validate with, so it cannot drift from them.
 * Served at `GET /openapi.json`.
 */
export function openApiDocument(version: string): Json {
  const statsGet = (summary: string, schema: z.ZodType, response: Json) => ({
    get: {
      summary,
      tags: ['stats'],
      security: secret,
      parameters: queryParams(schema),
      responses: { 200: table(response), ...errors },
    },
  })
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pipit collector API',
      version,
      description:
        'Ingest (Segment-compatible), stats, sites and keys, and GDPR endpoints of a Pipit collector. Secret keys go in `Authorization: Bearer <key>`; write keys in the body (`writeKey`) or as Basic auth user.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        secretKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'A read or admin key of the site (or the instance admin key)',
        },
        writeKey: {
          type: 'http',
          scheme: 'basic',
          description: "The site's public write key as the user name",
        },
      },
      responses: {
        Error: json(
          output(errorBodySchema),
          'An error: status code plus a machine-readable `error.code`',
        ),
      },
    },
    paths: {
      '/v1/batch': {
        post: {
          summary: 'Ingest a batch of Segment-spec messages',
          tags: ['ingest'],
          security: [{ writeKey: [] }, {}],
          requestBody: body(batchEnvelopeSchema),
          responses: {
            200: json(output(batchResponseSchema)),
            400: error,
            401: error,
            413: error,
            429: error,
          },
        },
      },
      ...Object.fromEntries(
        ['track', 'page', 'screen', 'identify', 'group', 'alias'].map((type) => [
          `/v1/${type}`,
          {
            post: {
              summary: `Ingest one ${type} message`,
              tags: ['ingest'],
              security: [{ writeKey: [] }, {}],
              requestBody: body(messageSchema),
              responses: {
                200: json(output(batchResponseSchema)),
                400: error,
                401: error,
                413: error,
                429: error,
              },
            },
          },
        ]),
      ),
      '/v1/stats/overview': statsGet(
        'Visitors, visits, page views, events, bounce rate, visit duration and views per visit, with the previous period and goal conversions',
        statsQuerySchema,
        output(overviewSchema),
      ),
      '/v1/stats/timeseries': statsGet(
        'Every metric per hour, day, week (from Monday) or month, gaps filled with zeros',
        timeseriesQuerySchema,
        output(timeseriesSchema),
      ),
      '/v1/stats/breakdown': statsGet(
        'Metrics per value of a dimension, sorted and paginated; with `goal`, conversions per row',
        breakdownQuerySchema,
        output(breakdownSchema),
      ),
      '/v1/stats/realtime': statsGet(
        'Visitors in the last 5 minutes and a per-minute series of the last 30',
        realtimeQuerySchema,
        output(realtimeSchema),
      ),
      '/v1/stats/retention': statsGet(
        'Cohorts by first-seen day, week or month and the share active in each following period',
        retentionQuerySchema,
        output(retentionSchema),
      ),
      '/v1/stats/funnel': {
        post: {
          summary: 'Visitors through ordered steps within a conversion window',
          tags: ['stats'],
          security: secret,
          requestBody: body(funnelBodySchema),
          responses: { 200: table(output(funnelSchema)), ...errors },
        },
      },
      '/v1/stats/experiments': statsGet(
        'Experiments with exposures in the range: id, variant names and exposed visitors, most exposed first',
        statsQuerySchema,
        output(experimentListSchema),
      ),
      '/v1/stats/experiments/{id}': {
        get: {
          summary:
            'Per variant: exposed visitors, conversions, rate with 95% interval, lift, p-value, sample-ratio check and verdict',
          tags: ['stats'],
          security: secret,
          parameters: [idParam('id'), ...queryParams(experimentQuerySchema)],
          responses: { 200: table(output(experimentSchema)), ...errors },
        },
      },
      '/v1/stats/goals': {
        get: {
          summary: "The site's saved goals",
          tags: ['stats'],
          security: secret,
          parameters: [{ name: 'site', in: 'query', required: true, schema: { type: 'string' } }],
          responses: { 200: json(output(goalListSchema)), ...errors },
        },
        post: {
          summary: 'Save a goal (admin key)',
          tags: ['stats'],
          security: secret,
          parameters: [{ name: 'site', in: 'query', required: true, schema: { type: 'string' } }],
          requestBody: body(goalBodySchema),
          responses: { 201: json(output(goalSchema), 'Created'), ...errors },
        },
      },
      '/v1/stats/goals/{id}': {
        delete: {
          summary: 'Remove a goal (admin key)',
          tags: ['stats'],
          security: secret,
          parameters: [
            idParam('id'),
            { name: 'site', in: 'query', required: true, schema: { type: 'string' } },
          ],
          responses: { 204: { description: 'Removed' }, ...errors },
        },
      },
      '/v1/sites': {
        get: {
          summary: 'Sites this key can read',
          tags: ['sites'],
          security: secret,
          responses: { 200: json({ type: 'object' }), 401: error },
        },
      },
      '/v1/admin/sites': {
        post: {
          summary: 'Create a site with its keys (instance admin key)',
          tags: ['sites'],
          security: secret,
          requestBody: body(newSiteSchema),
          responses: { 201: json({ type: 'object' }, 'Created'), ...errors, 409: error },
        },
      },
      '/v1/admin/sites/{id}': {
        patch: {
          summary: "Change a site's name, time zone, domain or settings",
          tags: ['sites'],
          security: secret,
          parameters: [idParam('id')],
          requestBody: body(sitePatchSchema),
          responses: { 200: json({ type: 'object' }), ...errors },
        },
      },
      '/v1/admin/sites/{id}/keys': {
        get: {
          summary: "A site's keys (secrets never shown)",
          tags: ['keys'],
          security: secret,
          parameters: [idParam('id')],
          responses: { 200: json({ type: 'object' }), ...errors },
        },
        post: {
          summary: 'Create a key, shown once',
          tags: ['keys'],
          security: secret,
          parameters: [idParam('id')],
          requestBody: body(newKeySchema),
          responses: { 201: json({ type: 'object' }, 'Created'), ...errors },
        },
      },
      '/v1/admin/keys/{keyId}/rotate': {
        post: {
          summary: 'Replace a key with a new one of the same scope',
          tags: ['keys'],
          security: secret,
          parameters: [idParam('keyId')],
          responses: { 200: json({ type: 'object' }), ...errors },
        },
      },
      '/v1/admin/keys/{keyId}': {
        delete: {
          summary: 'Revoke a key',
          tags: ['keys'],
          security: secret,
          parameters: [idParam('keyId')],
          responses: { 204: { description: 'Revoked' }, ...errors },
        },
      },
      '/v1/gdpr/export': {
        get: {
          summary: 'Everything stored about one subject (JSON, NDJSON or CSV), streamed',
          tags: ['gdpr'],
          security: secret,
          parameters: [
            ...queryParams(subjectSchema),
            { name: 'format', in: 'query', schema: { enum: ['json', 'ndjson', 'csv'] } },
          ],
          responses: { 200: { description: 'The export' }, ...errors },
        },
      },
      '/v1/gdpr/delete': {
        post: {
          summary: "Erase (or anonymise) a subject's events",
          tags: ['gdpr'],
          security: secret,
          requestBody: body(subjectSchema),
          responses: { 200: json({ type: 'object' }), ...errors },
        },
      },
      '/v1/gdpr/opt-out': {
        post: {
          summary: 'Add a subject to the suppression list',
          tags: ['gdpr'],
          security: secret,
          requestBody: body(subjectSchema),
          responses: { 200: json({ type: 'object' }), ...errors },
        },
        delete: {
          summary: 'Remove a subject from the suppression list',
          tags: ['gdpr'],
          security: secret,
          requestBody: body(subjectSchema),
          responses: { 200: json({ type: 'object' }), ...errors },
        },
      },
      '/v1/gdpr/audit': {
        get: {
          summary: 'The append-only audit log, newest first',
          tags: ['gdpr'],
          security: secret,
          parameters: [{ name: 'site', in: 'query', required: true, schema: { type: 'string' } }],
          responses: { 200: json(output(goalListSchema)), ...errors },
        },
      },
      '/v1/gdpr/purge': {
        post: {
          summary: "Apply the site's retention now",
          tags: ['gdpr'],
          security: secret,
          responses: { 200: json({ type: 'object' }), ...errors },
        },
      },
      '/api/event': {
        post: {
          summary: 'Plausible-compatible event',
          tags: ['compat'],
          responses: { 202: { description: 'Accepted' }, 400: error },
        },
      },
      '/api/send': {
        post: {
          summary: 'Umami-compatible event',
          tags: ['compat'],
          responses: { 200: { description: 'Accepted' }, 400: error },
        },
      },
      '/healthz': {
        get: {
          summary: 'Liveness',
          tags: ['health'],
          responses: { 200: json({ type: 'object' }) },
        },
      },
      '/readyz': {
        get: {
          summary: 'Readiness (the store can be written)',
          tags: ['health'],
          responses: { 200: json({ type: 'object' }), 503: error },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (admin key)',
          tags: ['health'],
          security: secret,
          responses: { 200: { description: 'text/plain' }, 401: error },
        },
      },
    },
  }
}
