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
    // The script-tag build the collector serves at /pipit-consent.js.
    entry: { 'pipit-consent': 'src/global.ts' },
    format: ['iife'],
    globalName: 'PipitConsent',
    silent: true,
    minify: true,
    target: 'es2020',
    platform: 'browser',
  },
])
