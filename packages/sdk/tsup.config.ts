import { defineConfig } from 'tsup'

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    clean: true,
    silent: true,
    target: 'es2020',
    platform: 'browser',
  },
  {
    // React Native: self-contained (no chunk shared with the browser entry, no idb-keyval).
    entry: { 'react-native': 'src/react-native.ts' },
    format: ['esm'],
    dts: true,
    silent: true,
    target: 'es2020',
    platform: 'neutral',
  },
  {
    // The script-tag build the collector serves at /pipit.js.
    entry: { pipit: 'src/global.ts' },
    format: ['iife'],
    globalName: 'Pipit',
    silent: true,
    minify: true,
    target: 'es2020',
    platform: 'browser',
  },
])
