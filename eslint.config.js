// @ts-check
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/** Browser and React Native globals the platform-free SDK core must never touch. */
const platformGlobals = [
  'window',
  'document',
  'navigator',
  'location',
  'history',
  'localStorage',
  'sessionStorage',
  'indexedDB',
  'fetch',
  'XMLHttpRequest',
  'addEventListener',
  'removeEventListener',
  'self',
  'screen',
  'BroadcastChannel',
  'crypto',
  'setTimeout',
  'setInterval',
  'clearTimeout',
  'clearInterval',
  'process',
  'Buffer',
  'require',
].map((name) => ({
  name,
  message: 'sdk/src/core is platform-free: reach the platform through the Platform contract.',
}))

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'data/**',
      'test-results/**',
      '.bench/**',
      // The dashboard's build output (minified, git-ignored).
      'packages/collector/public/assets/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['packages/sdk/src/platform/browser/**/*.ts', 'examples/browser/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['packages/sdk/src/core/**/*.ts'],
    ignores: ['**/*.test.ts'],
    languageOptions: { globals: {} },
    rules: { 'no-restricted-globals': ['error', ...platformGlobals] },
  },
  {
    // React Native code reaches the few Hermes globals it uses through `globalThis` (typed as
    // HermesGlobals), never a browser API.
    files: ['packages/sdk/src/platform/react-native/**/*.ts', 'packages/sdk/src/react-native.ts'],
    ignores: ['**/*.test.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-globals': [
        'error',
        ...platformGlobals.map(({ name }) => ({
          name,
          message: 'React Native code: use an injected module or globalThis as HermesGlobals.',
        })),
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
)
