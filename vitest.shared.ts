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
    // Vitest also passes these to Node as --conditions in its workers. Vite adds
    // `import` and `default` by itself; given to Node, `import` would make a
    // CommonJS require() of a dual package (pg requiring pg-pool) load its ESM
    // build and fail.
    ssr: { resolve: { conditions: ['source', 'module'] } },
    test: {
      name,
      environment: 'node',
      setupFiles: [fileURLToPath(new URL('./test/silent-console.ts', import.meta.url))],
      ...extra,
    },
  })
}
