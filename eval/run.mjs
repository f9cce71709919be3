#!/usr/bin/env node
/**
 * `npm run eval [-- --quick] [-- --local|--cloud] [-- --strategy=schema] [-- --parallel]`: runs eval/agent-eval.spec.ts
 * through Playwright (which compiles the TypeScript and drives Chromium). `--quick`: the tasks marked isQuick, one or
 * two per class. `--parallel`: the cloud runs and each local strategy in their own process at once (the local model
 * runs single-threaded, so on a machine with spare cores this divides the wall time), then one merged result.
 * Results: eval/results/latest.json and the table in docs/agent.md for a full run; partial*.json otherwise.
 */
import { spawn, spawnSync } from 'node:child_process'

const args = process.argv.slice(2)
const env = { ...process.env }
if (args.includes('--quick'))
  env.EVAL_QUICK = '1'
if (args.includes('--local'))
  env.EVAL_ONLY = 'local'
if (args.includes('--cloud'))
  env.EVAL_ONLY = 'cloud'
const strategy = args.find(a => a.startsWith('--strategy='))
if (strategy)
  env.EVAL_STRATEGIES = strategy.slice('--strategy='.length)
const PLAYWRIGHT = ['playwright', 'test', '-c', 'eval/playwright.config.ts']

function run(extra) {
  return new Promise(resolve => spawn('npx', PLAYWRIGHT, { stdio: 'inherit', env: { ...env, ...extra } }).on('exit', code => resolve(code ?? 1)))
}

if (args.includes('--parallel')) {
  if (spawnSync('npx', ['vite', 'build', '--config', 'eval/harness/vite.config.ts'], { stdio: 'inherit' }).status !== 0)
    process.exit(1)
  env.EVAL_BUILT = '1'
  const parts = { cloud: { EVAL_ONLY: 'cloud' }, schema: { EVAL_ONLY: 'local', EVAL_STRATEGIES: 'schema' }, text: { EVAL_ONLY: 'local', EVAL_STRATEGIES: 'text' } }
  const codes = await Promise.all(Object.entries(parts).map(([label, extra]) => run({ ...extra, EVAL_LABEL: label })))
  if (codes.some(c => c !== 0))
    process.exit(1)
  process.exit(await run({ EVAL_MERGE: Object.keys(parts).join(',') }))
}
process.exit(spawnSync('npx', PLAYWRIGHT, { stdio: 'inherit', env }).status ?? 1)
