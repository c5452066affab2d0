import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { Params, Site } from './api'
import type { Filter, View } from './state'

/** What every panel reads: the site, the range, the filters and how to change the view. */
export interface Ctx {
  site: Site
  from: string
  to: string
  /** The period of the same length just before, for comparisons. */
  prev: { from: string; to: string }
  view: View
  theme: 'light' | 'dark'
  /** site, from, to and filter: the parameters every stats request shares. */
  params: Params
  /** The filters as the funnel's JSON body takes them. */
  filterBody: Filter[]
  navigate(patch: Partial<View>, options?: { replace?: boolean }): void
  addFilter(f: Filter): void
}

export const DashboardContext = createContext<Ctx | null>(null)

export function useCtx(): Ctx {
  const ctx = useContext(DashboardContext)
  if (!ctx) throw new Error('useCtx outside the dashboard')
  return ctx
}

/** A file name for an export: site, table and range. */
export const csvName = (ctx: Ctx, table: string) =>
  `pipit-${ctx.site.id}-${table}-${ctx.from}-to-${ctx.to}.csv`
