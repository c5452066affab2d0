import { fileURLToPath } from 'node:url'
import { defineProject, type ViteUserConfig } from 'vitest/config'

/**
 * Settings every package's test project shares: resolve workspace packages to
 * their `src/` through the `source` export condition (no build needed) and make
 * any unexpected console output fail the test that produced it.
 */
export function pipitProject(name: string, extra: ViteUserConfig['test'] = {}) {
  return defineProject({
    resolve: { conditions: ['source', 'module', 'import', 'default'] },
    // Vitest hands the SSR conditions to Node as --conditions flags, where
    // 'import' (or 'module') would make require() inside CommonJS packages
    // load their ESM builds (pg's require('pg-pool') then breaks): Vite adds
    // import/require by itself.
    ssr: { resolve: { conditions: ['source', 'node'] } },
    test: {
      name,
      environment: 'node',
      setupFiles: [fileURLToPath(new URL('./test/silent-console.ts', import.meta.url))],
      ...extra,
    },
  })
}
