import { pipitProject } from '../../vitest.shared.ts'

export default pipitProject('collector', {
  globalSetup: ['./test/build-sdk.ts', './test/postgres-setup.ts'],
  // Real processes, SQLite files and Chromium on a 2-core machine: vitest's
  // default of 5 s per test is shorter than some of the tests' own waits.
  testTimeout: 20_000,
})
