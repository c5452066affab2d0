/**
 * The list of test projects, one per package. The root `vitest.config.ts` reads
 * it into `test.projects` (Vitest 4 no longer reads workspace files itself).
 */
export default [
  'packages/protocol/vitest.config.ts',
  'packages/sdk/vitest.config.ts',
  'packages/consent/vitest.config.ts',
  'packages/react/vitest.config.ts',
  'packages/react/vitest.react18.config.ts',
  'packages/dashboard/vitest.config.ts',
  'packages/collector/vitest.config.ts',
]
