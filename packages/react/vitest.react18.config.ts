import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { pipitProject } from '../../vitest.shared.ts'

// The same tests against React 18 (installed as the `react-18` and
// `react-dom-18` aliases): every React import resolves to them.
const require = createRequire(import.meta.url)
const r18 = (id: string) => require.resolve(id.replace(/^react(-dom)?/, (m) => `${m}-18`))

export default pipitProject('react18', {
  environment: 'happy-dom',
  alias: [
    'react/jsx-runtime',
    'react/jsx-dev-runtime',
    'react-dom/client',
    'react-dom/server',
    'react-dom/test-utils',
    'react-dom',
    'react',
  ].map((id) => ({ find: new RegExp(`^${id}$`), replacement: r18(id) })),
  // React Native has shipped React 19 since 0.78, and react-test-renderer 19 (the React Native
  // renderer under Node) cannot render React 18: the React Native tests run on React 19 only.
  exclude: ['**/node_modules/**', 'src/native.test.tsx'],
  setupFiles: [
    fileURLToPath(new URL('../../test/silent-console.ts', import.meta.url)),
    fileURLToPath(new URL('./test/react18.ts', import.meta.url)),
  ],
})
