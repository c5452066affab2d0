import { defineConfig } from 'tsup'

export default defineConfig({
  // `native` is the React Native entry: no DOM code, no consent banner.
  entry: ['src/index.tsx', 'src/native.tsx'],
  format: ['esm'],
  dts: true,
  clean: true,
  silent: true,
  target: 'es2020',
  platform: 'browser',
  external: [
    'react',
    'react/jsx-runtime',
    '@pipit/sdk',
    '@pipit/sdk/react-native',
    '@pipit/consent',
  ],
})
