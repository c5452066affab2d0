import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

/** The theme's colours, read from the CSS custom properties the charts draw with. */
export function chartColors() {
  const css = getComputedStyle(document.documentElement)
  const v = (name: string) => css.getPropertyValue(name).trim()
  return {
    fg: v('--fg'),
    muted: v('--muted'),
    line: v('--line'),
    accent: v('--accent'),
    bar: v('--bar'),
    compare: v('--compare'),
  }
}
export type ChartColors = ReturnType<typeof chartColors>

/**
 * A uPlot chart that fills its container's width and redraws on resize. The
 * chart is rebuilt when `data` or `deps` change (theme, series); uPlot draws
 * a few thousand points in a millisecond or two, so rebuilding stays cheap.
 */
export function UChart(props: {
  label: string
  height: number
  data: uPlot.AlignedData
  options: (colors: ChartColors) => Omit<uPlot.Options, 'width' | 'height'>
  deps: unknown[]
}) {
  const ref = useRef<HTMLDivElement>(null)
  const build = useRef(props.options)
  build.current = props.options
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const width = () => Math.max(200, el.clientWidth)
    const chart = new uPlot(
      { ...build.current(chartColors()), width: width(), height: props.height },
      props.data,
      el,
    )
    const observer = new ResizeObserver(() => {
      if (Math.abs(chart.width - width()) > 1)
        chart.setSize({ width: width(), height: props.height })
    })
    observer.observe(el)
    return () => {
      observer.disconnect()
      chart.destroy()
    }
  }, [props.data, props.height, ...props.deps])
  return <div class="chart" ref={ref} role="img" aria-label={props.label} />
}

export const axis = (c: ChartColors, extra: Partial<uPlot.Axis> = {}): uPlot.Axis => ({
  stroke: c.muted,
  grid: { stroke: c.line, width: 1 },
  ticks: { stroke: c.line, width: 1 },
  font: '12px system-ui, sans-serif',
  ...extra,
})

export { uPlot }
