/**
 * Pipit's wire format. This entry is free of zod: the SDK imports its types
 * (type-only) and the error codes. The collector validates with the schemas in
 * `@pipit/protocol/schema`.
 *
 * @example
 * import type { Message, BatchResponse } from '@pipit/protocol'
 */
export { ErrorCode } from './errors'
export type {
  AliasMessage,
  BatchEnvelope,
  BatchResponse,
  ErrorBody,
  GroupMessage,
  IdentifyMessage,
  Message,
  PageMessage,
  RejectedEvent,
  ScreenMessage,
  TrackMessage,
} from './schema'
export type {
  Breakdown,
  BreakdownRow,
  Experiment,
  ExperimentList,
  ExperimentSummary,
  Funnel,
  FunnelStepResult,
  Goal,
  Interval,
  Metrics,
  Overview,
  Realtime,
  Retention,
  Timeseries,
} from './stats'

/** The Segment batch body the SDK sends to `POST /v1/batch`. */
export interface BatchPayload<M = unknown> {
  batch: M[]
  sentAt: string
  writeKey?: string
  context?: Record<string, unknown>
}
