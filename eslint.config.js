import { defineConfigWithVueTs, vueTsConfigs } from '@vue/eslint-config-typescript'
import boundaries from 'eslint-plugin-boundaries'
import pluginVue from 'eslint-plugin-vue'

/**
 * The layers of src/ (docs/architecture.md draws them), lowest first. A file may import its own layer and the layers
 * listed in `mayImport`; anything else fails `npm run lint` through eslint-plugin-boundaries. The first four run in
 * every runtime; `workers/*` run only in a worker; the rest run only in the page.
 */
export const LAYERS = [
  { type: 'shared', pattern: 'src/shared/**', mayImport: [] },
  { type: 'models', pattern: 'src/models/**', mayImport: ['shared'] },
  { type: 'contract', pattern: 'src/contract/**', mayImport: ['shared', 'models'] },
  { type: 'downloads', pattern: 'src/downloads/**', mayImport: ['shared', 'models', 'contract'] },
  { type: 'inference-worker', pattern: 'src/workers/inference/**', mayImport: ['shared', 'models', 'contract'] },
  { type: 'download-worker', pattern: 'src/workers/download/**', mayImport: ['shared', 'models', 'contract', 'downloads'] },
  { type: 'service-worker', pattern: 'src/workers/service-worker/**', mayImport: ['shared'] },
  { type: 'services', pattern: 'src/services/**', mayImport: ['shared', 'models', 'contract', 'downloads'] },
  { type: 'agent', pattern: 'src/agent/**', mayImport: ['shared', 'contract'] },
  { type: 'conversations', pattern: 'src/conversations/**', mayImport: ['shared', 'contract', 'agent'] },
  { type: 'orchestrator', pattern: 'src/orchestrator/**', mayImport: ['shared', 'models', 'contract', 'services', 'agent'] },
  {
    type: 'ui',
    pattern: ['src/components/**', 'src/composables/**', 'src/stores/**', 'src/utils/**', 'src/*.{ts,vue}'],
    mayImport: ['shared', 'models', 'contract', 'downloads', 'services', 'agent', 'conversations', 'orchestrator'],
  },
]

export default defineConfigWithVueTs(
  { ignores: ['dist/**', 'dist-*/**', 'dev-dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'bench-results/**', 'bench/.cache/**'] },
  pluginVue.configs['flat/recommended'],
  vueTsConfigs.recommended,
  {
    rules: {
      // An empty catch hides a failure; say why it is safe, or handle it.
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'error',
    },
  },
  {
    // Dependencies point one way: down the layers, and never from a worker into the page.
    files: ['src/**/*.{ts,vue}'],
    plugins: { boundaries },
    settings: {
      // mode 'full' matches the whole path from the root: `src/*.{ts,vue}` is the app's own files (App.vue, main.ts,
      // router.ts, env.d.ts), which no folder pattern can name. plugin 7 deprecates `mode` for `partialMatch: false`,
      // which matches folders only; the legacy setting below keeps its warning off until a file pattern is possible.
      'boundaries/elements': LAYERS.map(({ type, pattern }) => ({ type, pattern, mode: 'full' })),
      'import/resolver': { node: { extensions: ['.ts', '.vue', '.js', '.json'] } },
      'boundaries/legacy-warnings': false,
    },
    rules: {
      'boundaries/dependencies': ['error', {
        default: 'disallow',
        message: '{{from.type}} ({{from.path}}) must not import {{to.type}} ({{to.path}}): see the layers in docs/architecture.md',
        policies: LAYERS.map(({ type, mayImport }) => ({
          from: { element: { type } },
          allow: { to: { element: { types: { anyOf: [type, ...mayImport] } } } },
        })),
      }],
      // Every file under src/ belongs to a layer, so a new folder must be placed in the diagram first.
      'boundaries/no-unknown-files': 'error',
    },
  },
)
