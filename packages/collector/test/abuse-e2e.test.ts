import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '@pipit/protocol'
import { parseConfig } from '../src/config'
import { type RunningServer, startServer } from '../src/node/server'
import { tmpDb } from './helpers'

const running: RunningServer[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()))
})

const silent = { info: () => {}, error: () => {} }

/** The collector in this process, on a free port of 127.0.0.1, with settings as env vars. */
async function serve(env: Record<string, string>) {
  const config = parseConfig(env, { port: 0, host: '127.0.0.1', db: tmpDb() })
  const server = await startServer({ config, logger: silent, aggregateEveryMs: 3_600_000 })
  running.push(server)
  return server
}

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/**
 * A POST from a chosen loopback address: Linux routes all of 127.0.0.0/8 to
 * the loopback interface, so each address is a distinct client to the server.
 */
function post(
  url: string,
  path: string,
  from: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const { hostname, port } = new URL(url)
  const text = JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path,
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let data = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (data += d))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }),
        )
      },
    )
    req.on('error', reject)
    req.end(text)
  })
}

let seq = 0
const batch = (writeKey: string) => ({
  writeKey,
  batch: [{ type: 'track', event: 'e', messageId: `m-${++seq}`, anonymousId: 'a' }],
})

describe('ingest rate limits on a real server', () => {
  // Regression: the site bucket was charged before the client bucket, so one
  // address holding the public write key drained the site's budget.
  it('limits a flooding client without starving another client of the same site', async () => {
    // The site takes 3 requests a second (bursts of 6), each client network 1 (bursts of 2).
    const server = await serve({ PIPIT_RATE_LIMIT_SITE: '3', PIPIT_RATE_LIMIT_CLIENT: '1' })
    const writeKey = server.firstStart!.writeKey
    const flood: Answer[] = []
    for (let i = 0; i < 30; i++) {
      flood.push(await post(server.url, '/v1/batch', '127.0.2.2', batch(writeKey)))
    }
    expect(flood.slice(0, 2).map((a) => a.status)).toEqual([200, 200])
    const limited = flood.slice(2)
    expect(limited.every((a) => a.status === 429)).toBe(true)
    expect(Number(limited[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(JSON.parse(limited[0]!.body)).toMatchObject({ error: { code: ErrorCode.rateLimited } })

    // Another visitor, in another /24, still gets through: the site kept its budget.
    const other = await post(server.url, '/v1/batch', '127.0.3.3', batch(writeKey))
    expect(other.status).toBe(200)
  })
})

describe('client address behind a trusted proxy, on a real server', () => {
  // Regression: with PIPIT_TRUST_PROXY the leftmost X-Forwarded-For entry was the
  // client, so a client that wrote a new address there each time was never limited.
  it.each([
    ['a hop count', '1'],
    ['a CIDR list', '127.0.9.0/24'],
  ])(
    'rate-limits by the address the proxy saw (%s), whatever the client forged',
    async (_, trust) => {
      const server = await serve({ PIPIT_TRUST_PROXY: trust, PIPIT_RATE_LIMIT_CLIENT: '1' })
      const writeKey = server.firstStart!.writeKey
      const statuses: number[] = []
      for (let i = 0; i < 6; i++) {
        // The proxy on 127.0.9.9 appends the address it received the request from.
        const forged = `198.51.${i}.1, 203.0.113.${i}`
        const answer = await post(server.url, '/v1/batch', '127.0.9.9', batch(writeKey), {
          'x-forwarded-for': `${forged}, 127.0.2.2`,
        })
        statuses.push(answer.status)
      }
      expect(statuses).toEqual([200, 200, 429, 429, 429, 429])
      // Another client behind the same proxy has its own budget.
      const other = await post(server.url, '/v1/batch', '127.0.9.9', batch(writeKey), {
        'x-forwarded-for': '127.0.3.3',
      })
      expect(other.status).toBe(200)
    },
  )

  it('ignores forwarding headers from a peer outside the trusted ranges', async () => {
    const server = await serve({ PIPIT_TRUST_PROXY: '127.0.9.0/24', PIPIT_RATE_LIMIT_CLIENT: '1' })
    const writeKey = server.firstStart!.writeKey
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      const answer = await post(server.url, '/v1/batch', '127.0.2.2', batch(writeKey), {
        'x-forwarded-for': `203.0.113.${i}`,
      })
      statuses.push(answer.status)
    }
    expect(statuses).toEqual([200, 200, 429, 429])
  })
})

describe('read-side rate limit on a real server', () => {
  it('takes PIPIT_RATE_LIMIT_READ queries a minute per key', async () => {
    const server = await serve({ PIPIT_RATE_LIMIT_READ: '2' })
    const get = () =>
      fetch(`${server.url}/v1/sites`, {
        headers: { authorization: `Bearer ${server.firstStart!.readKey}` },
      })
    expect([(await get()).status, (await get()).status]).toEqual([200, 200])
    const limited = await get()
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('30')
  })
})
