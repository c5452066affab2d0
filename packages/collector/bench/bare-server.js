// The ceiling the collector is measured against: Hono on @hono/node-server
// with a handler that only reads the request body and answers.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono()
app.post('/v1/batch', async (c) => {
  await c.req.text()
  return c.json({ success: true })
})
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(
    JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${info.port}` }) + '\n',
  )
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
