// Size budget of the browser entry: `import { createTracker } from '@pipit/sdk'`,
// bundled with everything it pulls in (idb-keyval included), minified, gzipped.
// `node scripts/size.js` prints a table and exits 1 over budget; `measure()` is
// exported for the root benchmark.
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

export const BUDGET_BYTES = 6 * 1024
const sdkRoot = fileURLToPath(new URL('..', import.meta.url))

/**
 * Bundles `import { createTracker } from '@pipit/sdk'` from source and returns
 * its sizes, the bundled text and the input files.
 */
export async function measure() {
  const result = await build({
    stdin: {
      contents:
        "import { createTracker } from '@pipit/sdk'\nglobalThis.createTracker = createTracker\n",
      resolveDir: sdkRoot,
      loader: 'js',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    conditions: ['source'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  const code = result.outputFiles[0].text
  return {
    code,
    inputs: Object.keys(result.metafile.inputs),
    minified: Buffer.byteLength(code),
    gzipped: gzipSync(code, { level: 9 }).length,
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { minified, gzipped, inputs } = await measure()
  const ok = gzipped <= BUDGET_BYTES
  const rows = [
    ['entry', 'min', 'min+gzip', 'budget', ''],
    [
      "import { createTracker } from '@pipit/sdk'",
      minified,
      gzipped,
      BUDGET_BYTES,
      ok ? 'ok' : 'OVER',
    ],
  ]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(widths[i])).join('  '))
  console.log(`${inputs.length} input files`)
  if (!ok) {
    console.error(`@pipit/sdk is ${gzipped - BUDGET_BYTES} bytes over its ${BUDGET_BYTES} B budget`)
    process.exit(1)
  }
}
