import { describe, expect, it } from 'vitest'
import { batchEnvelopeSchema, messageSchema } from './schema'

const base = { messageId: 'm-1', anonymousId: 'a-1', timestamp: '2026-01-02T03:04:05.000Z' }

describe('messageSchema', () => {
  it('accepts every Segment message type', () => {
    const messages = [
      { ...base, type: 'track', event: 'Signed Up', properties: { plan: 'pro' } },
      { ...base, type: 'page', name: 'Home', properties: { path: '/' } },
      { ...base, type: 'screen', name: 'Settings' },
      { ...base, type: 'identify', userId: 'u-1', traits: { plan: 'pro' } },
      { ...base, type: 'group', groupId: 'g-1', traits: {} },
      { ...base, type: 'alias', previousId: 'a-1', userId: 'u-1' },
    ]
    for (const m of messages) expect(messageSchema.safeParse(m).success, m.type).toBe(true)
  })

  it('keeps unknown keys Segment clients add', () => {
    const parsed = messageSchema.parse({ ...base, type: 'track', event: 'x', _metadata: { v: 1 } })
    expect(parsed).toMatchObject({ _metadata: { v: 1 } })
  })

  it.each([
    ['no messageId', { type: 'track', event: 'x', anonymousId: 'a' }],
    ['no identity', { type: 'track', event: 'x', messageId: 'm' }],
    ['no event name', { ...base, type: 'track' }],
    ['unknown type', { ...base, type: 'purchase' }],
    ['bad timestamp', { ...base, type: 'page', timestamp: 'yesterday' }],
    ['properties not an object', { ...base, type: 'track', event: 'x', properties: [1] }],
    ['alias without previousId', { ...base, type: 'alias', userId: 'u' }],
  ])('rejects a message with %s', (_name, message) => {
    expect(messageSchema.safeParse(message).success).toBe(false)
  })
})

describe('batchEnvelopeSchema', () => {
  it('requires a non-empty batch array', () => {
    expect(batchEnvelopeSchema.safeParse({ batch: [] }).success).toBe(false)
    expect(batchEnvelopeSchema.safeParse({ batch: 'x' }).success).toBe(false)
    expect(batchEnvelopeSchema.safeParse({ batch: [{}], sentAt: base.timestamp }).success).toBe(
      true,
    )
  })
})
