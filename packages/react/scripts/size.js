// What `@pipit/react` adds over the SDK and the banner: every export bundled,
// minified and gzipped, with react, @pipit/sdk and @pipit/consent left out.
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const result = await build({
  stdin: { contents: "export * from '@pipit/react'\n", resolveDir: root, loader: 'js' },
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  platform: 'browser',
  conditions: ['source'],
  external: ['react', 'react/jsx-runtime', 'react-dom', '@pipit/sdk', '@pipit/consent'],
  write: false,
  logLevel: 'silent',
})
const code = result.outputFiles[0].text
const rows = [
  ['entry', 'min', 'min+gzip'],
  [
    "export * from '@pipit/react' (over sdk + consent)",
    Buffer.byteLength(code),
    gzipSync(code, { level: 9 }).length,
  ],
]
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(widths[i])).join('  '))
