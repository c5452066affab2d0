// Size of `import { createConsentBanner } from '@pipit/consent'`, bundled,
// minified and gzipped (it never ships inside @pipit/sdk). `node scripts/size.js`
// prints a table and exits 1 over budget.
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

export const BUDGET_BYTES = 3.5 * 1024
const root = fileURLToPath(new URL('..', import.meta.url))

export async function measure() {
  const result = await build({
    stdin: {
      contents:
        "import { createConsentBanner } from '@pipit/consent'\nglobalThis.createConsentBanner = createConsentBanner\n",
      resolveDir: root,
      loader: 'js',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    conditions: ['source'],
    write: false,
    logLevel: 'silent',
  })
  const code = result.outputFiles[0].text
  return { code, minified: Buffer.byteLength(code), gzipped: gzipSync(code, { level: 9 }).length }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { minified, gzipped } = await measure()
  const ok = gzipped <= BUDGET_BYTES
  const rows = [
    ['entry', 'min', 'min+gzip', 'budget', ''],
    [
      "import { createConsentBanner } from '@pipit/consent'",
      minified,
      gzipped,
      BUDGET_BYTES,
      ok ? 'ok' : 'OVER',
    ],
  ]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(widths[i])).join('  '))
  if (!ok) {
    console.error(
      `@pipit/consent is ${gzipped - BUDGET_BYTES} bytes over its ${BUDGET_BYTES} B budget`,
    )
    process.exit(1)
  }
}
