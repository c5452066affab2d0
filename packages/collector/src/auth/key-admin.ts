import type { EventStore, KeyRecord, KeyScope } from '../store/types'
import { generateKey } from './keys'

/** A key as listings show it: never the secret of a read or admin key (only its hash is kept). */
export function listedKey(k: KeyRecord) {
  return {
    id: k.id,
    siteId: k.siteId,
    scope: k.scope,
    prefix: k.prefix,
    ...(k.publicKey ? { key: k.publicKey } : {}),
    createdAt: new Date(k.createdAt).toISOString(),
    revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
  }
}

export class KeyAdminError extends Error {
  constructor(
    readonly reason: 'not_found' | 'revoked',
    message: string,
  ) {
    super(message)
    this.name = 'KeyAdminError'
  }
}

/**
 * Key operations shared by the admin API and the `pipit keys` CLI.
 *
 * @example
 * const { key } = await issueKey(store, 'shop', 'read', Date.now())
 */
export async function issueKey(
  store: EventStore,
  siteId: string | null,
  scope: KeyScope,
  now: number,
) {
  const { secret, record } = generateKey({ siteId, scope, now })
  await store.createKey(record)
  return { ...listedKey(record), key: secret }
}

/** Issues a new key of the same site and scope and revokes the old one. */
export async function rotateKey(store: EventStore, keyId: string, now: number) {
  const old = await store.getKey(keyId)
  if (!old) throw new KeyAdminError('not_found', `no key ${keyId}`)
  if (old.revokedAt !== null) throw new KeyAdminError('revoked', 'the key is revoked already')
  const fresh = await issueKey(store, old.siteId, old.scope, now)
  await store.revokeKey(old.id, now)
  return { revoked: old.id, ...fresh }
}

export async function revokeKey(store: EventStore, keyId: string, now: number) {
  const key = await store.getKey(keyId)
  if (!key) throw new KeyAdminError('not_found', `no key ${keyId}`)
  return { id: key.id, revoked: await store.revokeKey(key.id, now) }
}
