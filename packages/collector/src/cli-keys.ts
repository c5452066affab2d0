import { issueKey, listedKey, revokeKey, rotateKey } from './auth/key-admin'
import { ConfigError } from './config'
import type { EventStore, KeyScope } from './store/types'

const scopes: readonly KeyScope[] = ['write', 'read', 'admin']

/**
 * `pipit keys list|create|rotate|revoke`: the admin API's key operations for
 * whoever holds the database file. A running collector notices revocations
 * within its 10 s key cache.
 */
export async function keysCommand(
  store: EventStore,
  args: {
    action: string | undefined
    keyId: string | undefined
    site: string | undefined
    scope: string | undefined
  },
  out: (line: string) => void,
): Promise<number> {
  const now = Date.now()
  switch (args.action) {
    case 'list': {
      const keys = await store.listKeys(args.site ?? null)
      for (const k of keys.map(listedKey)) {
        const state = k.revokedAt ? `revoked ${k.revokedAt}` : 'active'
        out(`${k.id}  ${k.scope.padEnd(5)}  ${(k.key ?? `${k.prefix}…`).padEnd(52)}  ${state}`)
      }
      return 0
    }
    case 'create': {
      if (!args.site) throw new ConfigError(['--site: which site the key is for'])
      if (!scopes.includes(args.scope as KeyScope))
        throw new ConfigError(['--scope: write, read or admin'])
      if (!(await store.getSite(args.site))) throw new ConfigError([`--site: no site ${args.site}`])
      const key = await issueKey(store, args.site, args.scope as KeyScope, now)
      out(`created ${key.scope} key ${key.id} for ${args.site} (shown once): ${key.key}`)
      return 0
    }
    case 'rotate': {
      if (!args.keyId) throw new ConfigError(['key id: pipit keys rotate <key id>'])
      const key = await rotateKey(store, args.keyId, now)
      out(`revoked ${key.revoked}; new ${key.scope} key ${key.id} (shown once): ${key.key}`)
      return 0
    }
    case 'revoke': {
      if (!args.keyId) throw new ConfigError(['key id: pipit keys revoke <key id>'])
      const { revoked } = await revokeKey(store, args.keyId, now)
      out(revoked ? `revoked ${args.keyId}` : `${args.keyId} was revoked already`)
      return 0
    }
    default:
      throw new ConfigError(['keys: list, create, rotate or revoke'])
  }
}
