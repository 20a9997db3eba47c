import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ROUTES } from '../src/protocol/routes.js';
import { OPERATIONS } from '../src/api/operations/index.js';

// Compiled to dist/tests/docs.test.js: the repo root is two levels up.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('docs match the code', () => {
  it('docs/errors.md is generated from the current error registry', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'gen-error-docs.mjs')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `gen-error-docs failed:\n${r.stderr}`);
    const onDisk = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
    assert.ok(
      onDisk === r.stdout,
      'docs/errors.md is out of date: run `npm run build && node scripts/gen-error-docs.mjs > docs/errors.md`',
    );
  });

  it('the SDK route table (protocol/routes.ts) agrees with the server dispatch table (api/operations)', () => {
    const server = new Map(OPERATIONS.map((op) => [op.name, op]));
    const sdk = new Map(Object.entries(ROUTES) as Array<[string, readonly [string, string]]>);
    const missingInSdk = [...server.keys()].filter((n) => !sdk.has(n));
    const missingOnServer = [...sdk.keys()].filter((n) => !server.has(n));
    assert.deepEqual(missingInSdk, [], 'operations the server has but ROUTES lacks');
    assert.deepEqual(missingOnServer, [], 'ROUTES entries the server does not implement');
    const mismatched = [...server.values()]
      .map((op) => ({ name: op.name, server: `${op.method} ${op.path}`, sdk: sdk.get(op.name)?.join(' ') }))
      .filter((x) => x.server !== x.sdk);
    assert.deepEqual(mismatched, [], 'method/path differ between ROUTES and OPERATIONS');
  });

  it('no two operations share a method and path', () => {
    const seen = new Map<string, string>();
    for (const op of OPERATIONS) {
      const key = `${op.method} ${op.path}`;
      assert.ok(!seen.has(key), `${op.name} and ${seen.get(key)} are both ${key}`);
      seen.set(key, op.name);
    }
  });
});
