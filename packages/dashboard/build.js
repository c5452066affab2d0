// Builds the dashboard into the collector's public/ folder: minified,
// content-hashed JS and CSS under public/assets/ (served with a one-year
// immutable cache) and public/index.html pointing at them (served no-cache),
// each with .gz and .br siblings the collector sends to browsers that take
// them. Prints the sizes and fails over the budget.
//
// node build.js [--quiet]
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const here = fileURLToPath(new URL('.', import.meta.url))
export const outDir = fileURLToPath(new URL('../collector/public/', import.meta.url))
/** First load budget: JS + CSS + HTML, gzipped. */
export const BUDGET = 60 * 1024

const gzip = (b) => gzipSync(b, { level: 9 })
const brotli = (b) =>
  brotliCompressSync(b, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: b.length,
    },
  })

/** Writes a file with its .gz and .br siblings; returns its sizes. */
function emit(path, contents) {
  const raw = Buffer.from(contents)
  const gz = gzip(raw)
  const br = brotli(raw)
  writeFileSync(path, raw)
  writeFileSync(`${path}.gz`, gz)
  writeFileSync(`${path}.br`, br)
  return { file: basename(path), raw: raw.length, gzip: gz.length, brotli: br.length }
}

export async function buildDashboard() {
  const assets = join(outDir, 'assets')
  rmSync(assets, { recursive: true, force: true })
  mkdirSync(assets, { recursive: true })
  const result = await build({
    entryPoints: { app: join(here, 'src/main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    outdir: assets,
    write: false,
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  })
  const sizes = []
  let js = ''
  let css = ''
  for (const file of result.outputFiles) {
    const name = basename(file.path)
    if (name.endsWith('.js')) js = name
    else if (name.endsWith('.css')) css = name
    else continue
    sizes.push(emit(file.path, file.contents))
  }
  if (!js || !css) throw new Error('the build made no JS or CSS file')
  const html = readFileSync(join(here, 'src/index.html'), 'utf8')
    .replace('{{JS}}', `/assets/${js}`)
    .replace('{{CSS}}', `/assets/${css}`)
  sizes.push(emit(join(outDir, 'index.html'), html))
  // Licences of the bundled libraries (MIT), kept beside the bundle rather than in it.
  const licences = ['preact', 'uplot'].map((name) => {
    const dir = fileURLToPath(new URL(`../../node_modules/${name}/`, import.meta.url))
    return `${name}\n\n${readFileSync(join(dir, 'LICENSE'), 'utf8').trim()}\n`
  })
  writeFileSync(join(assets, 'LICENSES.txt'), licences.join('\n---\n\n'))
  const total = sizes.reduce((n, s) => n + s.gzip, 0)
  return { sizes, total, js, css, inputs: Object.keys(result.metafile.inputs) }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { sizes, total } = await buildDashboard()
  if (!process.argv.includes('--quiet')) {
    for (const s of sizes)
      console.log(
        `dashboard ${s.file.padEnd(24)} ${String(s.raw).padStart(7)} B  gzip ${String(s.gzip).padStart(6)} B  br ${String(s.brotli).padStart(6)} B`,
      )
    console.log(`dashboard first load: ${total} B gzipped (budget ${BUDGET} B)`)
  }
  if (total > BUDGET) {
    console.error(`dashboard is ${total - BUDGET} B over its ${BUDGET} B budget`)
    process.exit(1)
  }
}
