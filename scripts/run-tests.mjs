#!/usr/bin/env node
// Runs every compiled test file with node's test runner. BACKENDS (default sqlite,postgres)
// selects the storage back ends the shared suites run on.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = [...find('dist/src'), ...find('dist/tests')].filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();
const env = { ...process.env, BACKENDS: process.env.BACKENDS ?? 'sqlite,postgres' };
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=600000', ...files], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
