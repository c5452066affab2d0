import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.tsx'],
  format: ['esm'],
  dts: true,
  clean: true,
  silent: true,
  target: 'es2020',
  platform: 'browser',
  external: ['react', 'react/jsx-runtime', '@pipit/sdk', '@pipit/consent'],
})
