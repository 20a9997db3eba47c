import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

// Compiled to dist/tests/lint.test.js: the repo root is two levels up.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function run(bin: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', bin), args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

describe('lint', () => {
  it('eslint reports no problems', () => {
    const r = run('eslint', ['.', '--max-warnings=0']);
    assert.equal(r.status, 0, `eslint failed:\n${r.output}`);
  });

  it('the web client type-checks with the DOM typings (vite builds without checking types)', () => {
    const r = run('tsc', ['-p', 'web/tsconfig.json', '--noEmit']);
    assert.equal(r.status, 0, `tsc -p web failed:\n${r.output}`);
  });

  it('import boundaries hold (dependency-cruiser, docs/architecture.md §Layers)', () => {
    // web/ (the browser client) is checked too when present: it may use only src/protocol and src/client.
    const roots = ['src', ...(existsSync(join(ROOT, 'web')) ? ['web'] : [])];
    const r = run('depcruise', [...roots, '--config', '.dependency-cruiser.cjs']);
    assert.equal(r.status, 0, `dependency-cruiser found violations:\n${r.output}`);
  });
});
