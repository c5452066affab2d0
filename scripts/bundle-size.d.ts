export const ENTRIES: Record<
  'sdk' | 'consent' | 'react',
  { label: string; contents: string; budget?: number; external?: string[] }
>
/** Bundles one entry from source, as the size check does. */
export function measure(name: keyof typeof ENTRIES): Promise<{
  code: string
  inputs: string[]
  minified: number
  gzipped: number
}>
