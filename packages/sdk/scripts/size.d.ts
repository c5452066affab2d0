/** Bundles `import { createTracker } from '@pipit/sdk'` from source, as the size check does. */
export function measure(): Promise<{
  code: string
  inputs: string[]
  minified: number
  gzipped: number
}>
export const BUDGET_BYTES: number
