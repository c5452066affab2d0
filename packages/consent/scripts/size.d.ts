export function measure(): Promise<{ code: string; minified: number; gzipped: number }>
export const BUDGET_BYTES: number
