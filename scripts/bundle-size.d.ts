export const ENTRIES: Record<
  'sdk' | 'sdk-react-native' | 'consent' | 'react' | 'dashboard',
  {
    label: string
    contents: string
    budget?: number
    external?: string[]
    /** The package folder to resolve from, when not the entry's name. */
    dir?: string
    /** Extra esbuild options (the dashboard: JSX and an outdir for its CSS). */
    options?: Record<string, unknown>
  }
>
/** Bundles one entry from source, as the size check does. */
export function measure(name: keyof typeof ENTRIES): Promise<{
  code: string
  inputs: string[]
  minified: number
  gzipped: number
}>
