import { z } from 'zod'

/**
 * zod schemas of Pipit's wire format, the Segment HTTP Tracking API
 * (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/).
 * The collector validates with these; the SDK imports only the inferred types
 * from the package's main entry, so zod never ships to browsers.
 *
 * Objects are loose: Segment clients send extra keys (`_metadata`, `channel`,
 * `originalTimestamp`...) that must not make an event invalid.
 */

/** An ISO 8601 date-time with `Z` or an offset, as Segment clients send it. */
export const isoDateTime = z.iso.datetime({ offset: true })

const jsonObject = z.record(z.string(), z.unknown())
const id = z.string().min(1).max(255)
const optionalId = id.nullish()

const common = {
  messageId: z.string().min(1).max(100),
  anonymousId: optionalId,
  userId: optionalId,
  timestamp: isoDateTime.optional(),
  originalTimestamp: isoDateTime.optional(),
  sentAt: isoDateTime.optional(),
  context: jsonObject.optional(),
  integrations: jsonObject.optional(),
}

const hasIdentity = (m: { anonymousId?: string | null; userId?: string | null }) =>
  Boolean(m.anonymousId || m.userId)
const identityIssue = { message: 'either anonymousId or userId is required', path: ['userId'] }

export const trackMessageSchema = z.looseObject({
  ...common,
  type: z.literal('track'),
  event: z.string().min(1).max(255),
  properties: jsonObject.optional(),
})

export const pageMessageSchema = z.looseObject({
  ...common,
  type: z.literal('page'),
  name: z.string().max(255).nullish(),
  category: z.string().max(255).nullish(),
  properties: jsonObject.optional(),
})

export const screenMessageSchema = z.looseObject({
  ...common,
  type: z.literal('screen'),
  name: z.string().max(255).nullish(),
  properties: jsonObject.optional(),
})

export const identifyMessageSchema = z.looseObject({
  ...common,
  type: z.literal('identify'),
  traits: jsonObject.optional(),
})

export const groupMessageSchema = z.looseObject({
  ...common,
  type: z.literal('group'),
  groupId: id,
  traits: jsonObject.optional(),
})

export const aliasMessageSchema = z.looseObject({
  ...common,
  type: z.literal('alias'),
  previousId: id,
  userId: id,
})

/** One Segment message of any type. */
export const messageSchema = z
  .discriminatedUnion('type', [
    trackMessageSchema,
    pageMessageSchema,
    screenMessageSchema,
    identifyMessageSchema,
    groupMessageSchema,
    aliasMessageSchema,
  ])
  .refine(hasIdentity, identityIssue)

/**
 * The envelope of `POST /v1/batch`. Messages are validated one by one
 * (`messageSchema`) so one bad event never rejects its neighbours.
 */
export const batchEnvelopeSchema = z.looseObject({
  batch: z.array(z.unknown()).min(1).max(10_000),
  sentAt: isoDateTime.optional(),
  context: jsonObject.optional(),
  integrations: jsonObject.optional(),
  writeKey: z.string().max(255).optional(),
})

export const rejectedEventSchema = z.object({
  index: z.number().int().nonnegative(),
  code: z.string(),
  message: z.string(),
})

/** What `POST /v1/batch` answers when at least one event was stored or deduplicated. */
export const batchResponseSchema = z.object({
  success: z.literal(true),
  /** Stored now. */
  accepted: z.number().int().nonnegative(),
  /** Stored before (same messageId): nothing to resend. */
  duplicates: z.number().int().nonnegative(),
  /** Taken but not stored by the site's policy (suppressed subject, bot): nothing to resend. */
  dropped: z.number().int().nonnegative(),
  /** Invalid: resending them unchanged will fail again. */
  rejected: z.array(rejectedEventSchema),
})

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.unknown()).optional(),
  }),
})

export type TrackMessage = z.infer<typeof trackMessageSchema>
export type PageMessage = z.infer<typeof pageMessageSchema>
export type ScreenMessage = z.infer<typeof screenMessageSchema>
export type IdentifyMessage = z.infer<typeof identifyMessageSchema>
export type GroupMessage = z.infer<typeof groupMessageSchema>
export type AliasMessage = z.infer<typeof aliasMessageSchema>
export type Message = z.infer<typeof messageSchema>
export type BatchEnvelope = z.infer<typeof batchEnvelopeSchema>
export type RejectedEvent = z.infer<typeof rejectedEventSchema>
export type BatchResponse = z.infer<typeof batchResponseSchema>
export type ErrorBody = z.infer<typeof errorBodySchema>

export {
  INTERVALS,
  breakdownRowSchema,
  breakdownSchema,
  experimentListSchema,
  experimentSchema,
  experimentSummarySchema,
  funnelSchema,
  funnelStepResultSchema,
  goalListSchema,
  goalSchema,
  metricsSchema,
  overviewSchema,
  realtimeSchema,
  retentionSchema,
  timeseriesSchema,
} from './stats'
