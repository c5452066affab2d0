import { stringify } from 'csv-stringify/sync'
import { csvSafe } from '../download'
import type { EventStore, StoredEvent, Subject, Suppression } from '../store/types'

export type ExportFormat = 'json' | 'ndjson' | 'csv'

/** An event as a subject export shows it: times as ISO strings, every stored field. */
function exported(e: StoredEvent) {
  return {
    messageId: e.messageId,
    type: e.type,
    name: e.name,
    timestamp: new Date(e.timestamp).toISOString(),
    receivedAt: new Date(e.receivedAt).toISOString(),
    userId: e.userId,
    anonymousId: e.anonymousId,
    url: e.url,
    path: e.path,
    referrer: e.referrer,
    properties: e.properties,
    traits: e.traits,
    context: e.context,
    browser: e.browser,
    os: e.os,
    deviceType: e.deviceType,
    country: e.country,
    source: e.source,
    channel: e.channel,
    utmSource: e.utmSource,
    utmMedium: e.utmMedium,
    utmCampaign: e.utmCampaign,
    utmTerm: e.utmTerm,
    utmContent: e.utmContent,
  }
}

const EVENT_FIELDS = [
  'messageId',
  'type',
  'name',
  'timestamp',
  'receivedAt',
  'userId',
  'anonymousId',
  'url',
  'path',
  'referrer',
  'properties',
  'traits',
  'context',
  'browser',
  'os',
  'deviceType',
  'country',
  'source',
  'channel',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmTerm',
  'utmContent',
] as const satisfies readonly (keyof ReturnType<typeof exported>)[]
const CSV_COLUMNS = ['record', 'kind', 'id', 'since', ...EVENT_FIELDS]
/** A CSV cell: objects as JSON text, missing values empty, no text read as a formula. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return csvSafe(v)
  if (typeof v === 'number' || typeof v === 'boolean') return `${v}`
  return JSON.stringify(v)
}
const csvRow = (values: Record<string, unknown>) =>
  stringify([CSV_COLUMNS.map((c) => cell(values[c]))])

export const contentTypes: Record<ExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
}

/**
 * A subject's data as a stream, read from the store a page at a time, so a
 * subject with a million events is never held in memory. JSON is one object
 * (`identities`, `suppressed`, `events`); NDJSON and CSV have one record a
 * line/row, each with `record` = `identity`, `suppression` or `event`.
 * `onDone` gets the number of events written.
 */
export function exportStream(input: {
  store: EventStore
  siteId: string
  subject: Subject
  suppressed: Suppression[]
  format: ExportFormat
  pageSize?: number
  onDone: (events: number) => void
}): ReadableStream<Uint8Array> {
  const { store, siteId, subject, suppressed, format } = input
  const pageSize = input.pageSize ?? 1_000
  const encoder = new TextEncoder()
  let cursor: string | null = null
  let done = false
  let count = 0
  let started = false

  const head = (): string => {
    const identities = [
      ...subject.userIds.map((id) => ({ record: 'identity', kind: 'userId', id })),
      ...subject.anonymousIds.map((id) => ({ record: 'identity', kind: 'anonymousId', id })),
    ]
    const suppressions = suppressed.map((s) => ({
      record: 'suppression',
      kind: s.kind,
      id: s.value,
      since: new Date(s.createdAt).toISOString(),
    }))
    if (format === 'json') {
      return `{"site":${JSON.stringify(siteId)},"identities":${JSON.stringify(subject)},"suppressed":${JSON.stringify(suppressions.map(({ kind, id, since }) => ({ kind, id, since })))},"events":[`
    }
    if (format === 'ndjson')
      return [...identities, ...suppressions].map((r) => JSON.stringify(r) + '\n').join('')
    return stringify([CSV_COLUMNS]) + [...identities, ...suppressions].map(csvRow).join('')
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = ''
      if (!started) {
        started = true
        text += head()
      }
      if (done) {
        if (format === 'json') text += ']}\n'
        controller.enqueue(encoder.encode(text))
        controller.close()
        input.onDone(count)
        return
      }
      const page = await store.subjectEvents(siteId, subject, cursor, pageSize)
      cursor = page.next
      done = cursor === null
      for (const e of page.events) {
        const record = exported(e)
        if (format === 'json') text += (count > 0 ? ',' : '') + JSON.stringify(record)
        else if (format === 'ndjson') text += JSON.stringify({ record: 'event', ...record }) + '\n'
        else text += csvRow({ record: 'event', ...record })
        count++
      }
      controller.enqueue(encoder.encode(text))
    },
  })
}
