// Browser bundle sizes of the packages that ship to browsers: each entry is
// bundled from source with esbuild (minified, ES2020), then gzipped (level 9).
// `node scripts/bundle-size.js [sdk|sdk-react-native|consent|react|dashboard ...]` prints a table and
// exits 1 when an entry with a budget is over it; `measure()` is for tests.
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const pkg = (name) => fileURLToPath(new URL(`../packages/${name}/`, import.meta.url))

/** What each package's size means, and its budget in bytes (min+gzip). */
export const ENTRIES = {
  sdk: {
    label: "import { createTracker } from '@pipit/sdk'",
    contents:
      "import { createTracker } from '@pipit/sdk'\nglobalThis.createTracker = createTracker\n",
    budget: 6 * 1024,
  },
  'sdk-react-native': {
    label: "import { createTracker } from '@pipit/sdk/react-native'",
    dir: 'sdk',
    contents:
      "import { createTracker } from '@pipit/sdk/react-native'\nglobalThis.createTracker = createTracker\n",
    // Apps ship megabytes of JavaScript; the web's 6 KB squeeze is not worth fallbacks here.
    budget: 7 * 1024,
  },
  consent: {
    label: "import { createConsentBanner } from '@pipit/consent'",
    contents:
      "import { createConsentBanner } from '@pipit/consent'\nglobalThis.createConsentBanner = createConsentBanner\n",
    budget: 3.5 * 1024,
  },
  react: {
    label: "export * from '@pipit/react' (over sdk + consent)",
    contents: "export * from '@pipit/react'\n",
    external: ['react', 'react/jsx-runtime', 'react-dom', '@pipit/sdk', '@pipit/consent'],
  },
  dashboard: {
    label: 'the dashboard, JS + CSS (its first load; the HTML adds 0.3 KB)',
    contents: "import './src/main.tsx'\n",
    options: { jsx: 'automatic', jsxImportSource: 'preact', outdir: 'out' },
    budget: 60 * 1024,
  },
}

/** Bundles one entry; returns the code, its input files and its sizes. */
export async function measure(name) {
  const entry = ENTRIES[name]
  const result = await build({
    stdin: { contents: entry.contents, resolveDir: pkg(entry.dir ?? name), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    conditions: ['source'],
    external: entry.external ?? [],
    ...entry.options,
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  // One file, or (the dashboard) its JS and CSS: sizes add up, each gzipped on its own.
  const files = result.outputFiles
  const code = files[0].text
  return {
    code,
    inputs: Object.keys(result.metafile.inputs),
    minified: files.reduce((n, f) => n + f.contents.length, 0),
    gzipped: files.reduce((n, f) => n + gzipSync(f.contents, { level: 9 }).length, 0),
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(ENTRIES)
  const rows = [['entry', 'min', 'min+gzip', 'budget', '']]
  const over = []
  for (const name of names) {
    const { budget, label } = ENTRIES[name]
    const { minified, gzipped } = await measure(name)
    const ok = budget === undefined || gzipped <= budget
    if (!ok) over.push(`${name} is ${gzipped - budget} bytes over its ${budget} B budget`)
    rows.push([
      label,
      minified,
      gzipped,
      budget ?? '',
      budget === undefined ? '' : ok ? 'ok' : 'OVER',
    ])
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(widths[i])).join('  '))
  if (over.length > 0) {
    console.error(over.join('\n'))
    process.exit(1)
  }
}
