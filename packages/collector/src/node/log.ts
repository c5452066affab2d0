/**
 * Structured logs, one JSON object a line. Callers pass only operational
 * fields (counts, codes, durations): never event payloads or IP addresses.
 */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

export function createLogger(
  write: (line: string) => void = (l) => process.stdout.write(l),
): Logger {
  const emit = (level: string, msg: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n')
  return {
    info: (msg, fields) => emit('info', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  }
}

/** An error as log fields: its name, message and code; no stack of payload data. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    return { error: error.name, message: error.message, code: (error as { code?: unknown }).code }
  }
  return { error: String(error) }
}
