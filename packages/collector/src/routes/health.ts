import { Hono } from 'hono'
import type { AppDeps, AppEnv } from './env'

/** `GET /healthz`: the process answers. `GET /readyz`: and its store takes writes. */
export function healthRoutes({ store }: AppDeps) {
  const app = new Hono<AppEnv>()
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) =>
    (await store.isWritable())
      ? c.json({ status: 'ready', store: store.kind })
      : c.json({ status: 'unavailable', store: store.kind }, 503),
  )
  return app
}
