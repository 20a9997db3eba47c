import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `parley sip …` as an operator runs it: a child process configured by environment only (SQLite).
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parley-sip-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function parley(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PARLEY_')) env[k] = v;
  Object.assign(env, { PARLEY_DATA_DIR: dir, PARLEY_ARGON2_MEMORY_KIB: '8192', PARLEY_LOG_LEVEL: 'warn' });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.end();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('parley sip CLI: extensions, devices, provisioning links, no way to set a secret', () => {
  it('adds an extension and a device, prints a one-time https link, rotates and removes it', async () => {
    assert.equal((await parley(['admin', 'user', 'add', 'carol', '--password', 'Tr0ub4dor&3-horse-staple'])).code, 0);
    const ext = await parley(['sip', 'extension', 'add', 'carol', '201']);
    assert.equal(ext.code, 0, ext.err);
    assert.match((await parley(['sip', 'extension', 'list'])).out, /201\s+carol\s+0 device/);
    const dev = await parley(['sip', 'device', 'add', '201', '--vendor', 'yealink', '--name', 'Front desk']);
    assert.equal(dev.code, 0, dev.err);
    const link = /https:\/\/127\.0\.0\.1:8443\/provision\/([A-Za-z0-9_-]{40,})/.exec(dev.out);
    assert.ok(link, dev.out);
    assert.doesNotMatch(dev.out, /secret|password/i, 'the secret is never printed, only delivered to the phone');
    assert.match((await parley(['sip', 'device', 'list'])).out, /201\s+201-\w+\s+yealink\s+waiting for provisioning\s+Front desk/);
    const rotated = await parley(['sip', 'device', 'rotate', '1']);
    assert.equal(rotated.code, 0);
    const link2 = /provision\/([A-Za-z0-9_-]{40,})/.exec(rotated.out);
    assert.ok(link2 && link2[1] !== link[1], 'a new link');
    assert.equal((await parley(['sip', 'device', 'remove', '1'])).code, 0);
    assert.match((await parley(['sip', 'device', 'list'])).out, /no devices/);
  });

  it('bad input: usage errors exit 2, domain errors exit 1 with the code; there is no "set secret" command', async () => {
    assert.equal((await parley(['sip', 'extension', 'add', 'carol'])).code, 2);
    const bad = await parley(['sip', 'extension', 'add', 'carol', '2a']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /extension_invalid/);
    assert.match((await parley(['sip', 'extension', 'add', 'nobody', '300'])).err, /account_not_found/);
    assert.match((await parley(['sip', 'extension', 'add', 'carol', '202'])).err, /extension_taken/);
    assert.match((await parley(['sip', 'device', 'add', '999'])).err, /extension_not_found/);
    assert.equal((await parley(['sip', 'device', 'add', '201', '--vendor', 'acme'])).code, 2);
    assert.match((await parley(['sip', 'device', 'rotate', '77'])).err, /sip_device_not_found/);
    for (const attempt of [['sip', 'device', 'set-secret', '1', '1234'], ['sip', 'device', 'add', '201', '--secret', '1234']]) {
      const r = await parley(attempt);
      assert.ok(r.code !== 0 || !r.out.includes('1234'), `${attempt.join(' ')} must not set a secret`);
    }
    assert.equal((await parley(['sip', 'device', 'set-secret', '1', '1234'])).code, 2);
  });
});
