import { generateKey } from '../auth/keys'
import { createSiteWithKeys } from '../routes/sites'
import type { EventStore } from '../store/types'
import { SiteExistsError } from '../store/types'

export interface FirstStart {
  siteId: string
  writeKey: string
  readKey: string
  /** Set when no `PIPIT_ADMIN_KEY` was given: a generated instance admin key, shown once. */
  adminKey?: string
}

/**
 * On a first start (no site yet) creates the `demo` site, and an instance
 * admin key when none is configured, so `npm start` is usable at once. Secret
 * keys are returned here to be shown once; only their hashes are stored.
 * Collectors starting together on one empty database make one first start:
 * the others find the site taken and return undefined.
 */
export async function bootstrap(
  store: EventStore,
  options: { adminKeyConfigured: boolean; now: number; timezone?: string },
): Promise<FirstStart | undefined> {
  if ((await store.listSites()).length > 0) return undefined
  const timezone = options.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC'
  let site: Awaited<ReturnType<typeof createSiteWithKeys>>
  try {
    site = await createSiteWithKeys(store, { id: 'demo', name: 'Demo site', timezone }, options.now)
  } catch (error) {
    // Another collector on the same database made the first start a moment ago.
    if (error instanceof SiteExistsError) return undefined
    throw error
  }
  const result: FirstStart = { siteId: site.siteId, writeKey: site.writeKey, readKey: site.readKey }
  if (!options.adminKeyConfigured && (await store.listKeys(null)).length === 0) {
    const admin = generateKey({ siteId: null, scope: 'admin', now: options.now })
    await store.createKey(admin.record)
    result.adminKey = admin.secret
  }
  return result
}
