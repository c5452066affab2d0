import { ErrorCode } from '@pipit/protocol'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { z } from 'zod'
import { canAccess } from '../auth/resolver'
import { attachment } from '../download'
import { HttpError, validate } from '../errors'
import { contentTypes, exportStream } from '../gdpr/export'
import { purgeExpired } from '../gdpr/retention'
import type { AuditEntry } from '../store/types'
import type { AppDeps, AppEnv } from './env'

const id = z.string().min(1).max(255)
export const subjectSchema = z
  .object({ site: z.string().min(1).max(64), userId: id.optional(), anonymousId: id.optional() })
  .refine((s) => Boolean(s.userId) !== Boolean(s.anonymousId), {
    message: 'give exactly one of userId and anonymousId',
    path: ['userId'],
  })

/**
 * The GDPR API, for the site's admin key: subject export, erasure (or
 * anonymisation), opt-out, the audit log and an on-demand retention purge.
 * Every action is written to the append-only audit log with the acting key's
 * id and the subject id, nothing more.
 */
export function gdprRoutes(deps: AppDeps) {
  const { store, now, sites } = deps
  const app = new Hono<AppEnv>()

  const parse = <T extends z.ZodType>(schema: T, input: unknown) =>
    validate(schema, input, ErrorCode.invalidQuery, 'invalid request')

  async function admitted(c: Context<AppEnv>, siteId: string) {
    if (!canAccess(c.get('principal'), siteId, 'admin')) {
      throw new HttpError(403, ErrorCode.forbidden, 'GDPR requests need an admin key of that site')
    }
    if (!(await store.getSite(siteId)))
      throw new HttpError(404, ErrorCode.siteNotFound, `no site ${siteId}`)
  }

  const audit = (c: Context<AppEnv>, entry: Omit<AuditEntry, 'actor' | 'at'>) =>
    store.appendAudit({ ...entry, actor: c.get('principal').keyId, at: now() })

  const subjectOf = (q: { userId?: string | undefined; anonymousId?: string | undefined }) =>
    q.userId
      ? { subjectKind: 'userId' as const, subjectId: q.userId }
      : { subjectKind: 'anonymousId' as const, subjectId: q.anonymousId! }

  const body = async (c: Context) => (await c.req.json().catch(() => undefined)) as unknown

  app.get('/v1/gdpr/export', async (c) => {
    const q = parse(
      subjectSchema.and(z.object({ format: z.enum(['json', 'ndjson', 'csv']).default('json') })),
      c.req.query(),
    )
    await admitted(c, q.site)
    const start = q.userId ? { userId: q.userId } : { anonymousId: q.anonymousId! }
    const subject = await store.linkedIds(q.site, start)
    const ids = new Set([
      ...subject.userIds.map((i) => `userId:${i}`),
      ...subject.anonymousIds.map((i) => `anonymousId:${i}`),
    ])
    const suppressed = (await store.listSuppressions(q.site)).filter((s) =>
      ids.has(`${s.kind}:${s.value}`),
    )
    const actor = c.get('principal').keyId
    const stream = exportStream({
      store,
      siteId: q.site,
      subject,
      suppressed,
      format: q.format,
      onDone: (rows) =>
        void store.appendAudit({
          siteId: q.site,
          at: now(),
          actor,
          action: 'export',
          ...subjectOf(q),
          rows,
        }),
    })
    const name = `pipit-export-${q.site}.${q.format}`
    return new Response(stream, {
      headers: {
        'content-type': contentTypes[q.format],
        'content-disposition': attachment(name),
      },
    })
  })

  app.post('/v1/gdpr/delete', async (c) => {
    const q = parse(
      subjectSchema.and(z.object({ mode: z.enum(['delete', 'anonymize']).default('delete') })),
      await body(c),
    )
    await admitted(c, q.site)
    const subject = await store.linkedIds(
      q.site,
      q.userId ? { userId: q.userId } : { anonymousId: q.anonymousId! },
    )
    // Rollups are derived from raw events at read time, so stats follow at once.
    const rows =
      q.mode === 'delete'
        ? await store.deleteSubject(q.site, subject)
        : await store.anonymizeSubject(q.site, subject, `anon_${crypto.randomUUID()}`)
    await audit(c, { siteId: q.site, action: q.mode, ...subjectOf(q), rows })
    return c.json({
      site: q.site,
      subject,
      mode: q.mode,
      [q.mode === 'delete' ? 'deleted' : 'anonymized']: rows,
    })
  })

  const optOut = (add: boolean) => async (c: Context<AppEnv>) => {
    const input =
      c.req.method === 'DELETE' && Object.keys(c.req.query()).length > 0
        ? c.req.query()
        : await body(c)
    const q = parse(subjectSchema, input)
    await admitted(c, q.site)
    const { subjectKind, subjectId } = subjectOf(q)
    const changed = add
      ? await store.addSuppression({
          siteId: q.site,
          kind: subjectKind,
          value: subjectId,
          createdAt: now(),
        })
      : await store.removeSuppression(q.site, subjectKind, subjectId)
    sites.invalidate(q.site)
    await audit(c, {
      siteId: q.site,
      action: add ? 'opt-out' : 'opt-in',
      subjectKind,
      subjectId,
      rows: changed ? 1 : 0,
    })
    return c.json({ site: q.site, [subjectKind]: subjectId, suppressed: add, changed })
  }
  app.post('/v1/gdpr/opt-out', optOut(true))
  app.delete('/v1/gdpr/opt-out', optOut(false))

  app.get('/v1/gdpr/audit', async (c) => {
    const q = parse(
      z.object({
        site: z.string().min(1).max(64),
        limit: z.coerce.number().int().min(1).max(1_000).default(100),
      }),
      c.req.query(),
    )
    await admitted(c, q.site)
    const entries = await store.listAudit(q.site, q.limit)
    return c.json({ entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) })
  })

  app.post('/v1/gdpr/purge', async (c) => {
    const q = parse(
      z.object({ site: z.string().min(1).max(64), dryRun: z.boolean().default(false) }),
      await body(c),
    )
    await admitted(c, q.site)
    const [result] = await purgeExpired(store, {
      now: now(),
      dryRun: q.dryRun,
      actor: c.get('principal').keyId,
      siteId: q.site,
    })
    return c.json({
      site: q.site,
      dryRun: q.dryRun,
      before: new Date(result!.before).toISOString(),
      rows: result!.rows,
    })
  })

  return app
}
