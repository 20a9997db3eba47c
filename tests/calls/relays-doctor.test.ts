import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Relays } from '../../src/relays/pool.js';
import { deadUdpPort, managedLoopback, relayPool } from './relays-helpers.js';

// `parley doctor` as an operator runs it: the compiled CLI in a child process, configured by a
// JSON file only (PARLEY_CONFIG), next to a pool that runs the managed coturn on the same data dir.
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'parley-doctor-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function doctor(dataDir: string, relays: Record<string, unknown>): Promise<Result> {
  const file = join(dataDir, `doctor-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ dataDir, http: { host: '127.0.0.1', port: 0 }, sip: { enabled: false }, log: { level: 'warn' }, relays }));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PARLEY_')) env[k] = v;
  env.PARLEY_CONFIG = file;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'doctor'], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const show = (r: Result): string => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

describe('parley doctor: relays', () => {
  const dataDir = tempDir();
  const managed = managedLoopback();
  let pool: Relays;

  before(async () => {
    pool = relayPool(dataDir, { managed }).pool;
    await pool.start();
    assert.equal(pool.offer().length, 1, 'the managed coturn runs');
  });
  after(() => pool?.close());

  it('ok for the running managed relay (a real allocation), FAIL and exit 1 for a relay nobody listens on', async () => {
    const port = await deadUdpPort();
    const dead = { id: 'dead', region: 'nowhere', urls: [`turn:127.0.0.1:${port}?transport=udp`], secret: 'd'.repeat(32) };
    const [good, bad] = await Promise.all([doctor(dataDir, { managed }), doctor(dataDir, { managed, external: [dead] })]);

    assert.equal(good.code, 0, show(good));
    assert.match(good.stdout, /^ok {4}coturn: turnserver \d+\.\d+/m);
    assert.match(good.stdout, /^ok {4}relay local \(local\) turn:127\.0\.0\.1:\d+\?transport=udp: allocated 127\.0\.0\.1:\d+ in [\d.]+ ms$/m);

    assert.equal(bad.code, 1, show(bad));
    assert.match(bad.stdout, /^ok {4}relay local /m);
    assert.match(bad.stdout, new RegExp(`^FAIL {2}relay dead \\(nowhere\\) turn:127\\.0\\.0\\.1:${port}\\?transport=udp: .*(refused|no answer)`, 'm'));
  });

  it('FAIL with a hint when the managed relay is not running, and when turnserver is missing', async () => {
    const empty = tempDir();
    const [idle, missing] = await Promise.all([doctor(empty, { managed }), doctor(empty, { managed: { ...managed, binary: 'parley-test-no-such-turnserver' } })]);
    assert.equal(idle.code, 1, show(idle));
    assert.match(idle.stdout, /^FAIL {2}relay local \(local\) turn:127\.0\.0\.1:<free port>\?transport=udp: .*is `parley serve` running\?/m);
    assert.equal(missing.code, 1, show(missing));
    assert.match(missing.stdout, /^FAIL {2}coturn: .*install Debian's coturn/m);
  });

  it('doctor leaves the running coturn and its record alone', async () => {
    await doctor(dataDir, { managed });
    const [check] = await pool.checkAll();
    assert.equal(check?.ok, true, check?.error ?? '');
    const again = await doctor(dataDir, { managed });
    assert.equal(again.code, 0, show(again));
  });
});
