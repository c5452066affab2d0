import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'node/index': 'src/node/index.ts',
    cli: 'src/cli.ts',
    'aggregate-worker': 'src/store/sqlite/aggregate-worker.ts',
  },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' } },
  clean: true,
  silent: true,
  target: 'node20',
  platform: 'node',
})
