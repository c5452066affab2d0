import { ErrorCode } from '@pipit/protocol'
import type { Context } from 'hono'
import { HttpError } from '../errors'

const tooLarge = (max: number) =>
  new HttpError(413, ErrorCode.payloadTooLarge, `request body is larger than ${max} bytes`)

/**
 * Reads a request body as text, at most `maxBytes` of it after decoding.
 * `Content-Encoding: gzip` or `deflate` is decoded with the web-standard
 * DecompressionStream; the limit applies to the decoded bytes, so a small
 * compressed bomb is refused as soon as it expands past the limit.
 */
export async function readBody(
  c: Context,
  maxBytes: number,
): Promise<{ text: string; bytes: number }> {
  const declared = Number(c.req.header('content-length') ?? 0)
  if (declared > maxBytes) throw tooLarge(maxBytes)
  const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase()
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
    throw new HttpError(415, ErrorCode.invalidEncoding, `unsupported Content-Encoding ${encoding}`)
  }
  // Fast path: a plain body of declared length is read in one go (the Node adapter reads it
  // straight from the socket); chunked or encoded bodies are counted as they stream.
  if (encoding === 'identity' && c.req.header('content-length') !== undefined) {
    const buffer = new Uint8Array(await c.req.arrayBuffer())
    if (buffer.byteLength > maxBytes) throw tooLarge(maxBytes)
    return { text: new TextDecoder().decode(buffer), bytes: buffer.byteLength }
  }
  const body = c.req.raw.body
  if (!body) return { text: '', bytes: 0 }
  const stream =
    encoding === 'identity' ? body : body.pipeThrough(new DecompressionStream(encoding))
  const chunks: Uint8Array[] = []
  let bytes = 0
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.byteLength
      if (bytes > maxBytes) {
        await reader.cancel().catch(() => {})
        throw tooLarge(maxBytes)
      }
      chunks.push(value)
    }
  } catch (error) {
    if (error instanceof HttpError) throw error
    throw new HttpError(400, ErrorCode.invalidEncoding, `body does not decode as ${encoding}`)
  }
  const all = new Uint8Array(bytes)
  let offset = 0
  for (const chunk of chunks) {
    all.set(chunk, offset)
    offset += chunk.byteLength
  }
  return { text: new TextDecoder().decode(all), bytes }
}
