#!/usr/bin/env node
/**
 * `npm run eval [-- --quick] [-- --local|--cloud] [-- --strategy=schema]`: runs eval/agent-eval.spec.ts through
 * Playwright (which compiles the TypeScript and drives Chromium). `--quick`: the tasks marked isQuick, one or two
 * per class. Results: eval/results/latest.json for a full run (and the table in docs/agent.md), partial.json otherwise.
 */
import { spawnSync } from 'node:child_process'

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
const result = spawnSync('npx', ['playwright', 'test', '-c', 'eval/playwright.config.ts'], { stdio: 'inherit', env })
process.exit(result.status ?? 1)
