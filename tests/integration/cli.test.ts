import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParleyClient, ApiError } from '../../src/client/index.js';

// The compiled CLI, run as an operator would: a child process, configured by environment only.
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const PASSWORD = 'Tr0ub4dor&3-horse-staple';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * Environment for a child: the caller's, minus every PARLEY_* variable (an unknown one is a config
 * error by design), plus a temp data dir and cheap argon2. cwd is the data dir, so a developer's
 * ./parley.config.json is never picked up.
 */
function cliEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PARLEY_')) env[k] = v;
  return { ...env, PARLEY_DATA_DIR: dataDir, PARLEY_ARGON2_MEMORY_KIB: '8192', PARLEY_LOG_LEVEL: 'warn', PARLEY_SIP_HOST: '127.0.0.1', PARLEY_SIP_TLS_PORT: '0', PARLEY_SIP_PROVISIONING_PORT: '0', PARLEY_RELAY_MANAGED: 'false', ...extra };
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function parley(args: string[], dataDir: string, extra: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dataDir, env: cliEnv(dataDir, extra), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function show(r: CliResult): string {
  return `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

function close(srv: Server): Promise<void> {
  return new Promise((resolve) => srv.close(() => resolve()));
}

/** Starts `parley serve` and resolves once it has printed its URL. */
function serve(dataDir: string): Promise<{ child: ChildProcess; url: string; stdout: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'serve'], { cwd: dataDir, env: cliEnv(dataDir, { PARLEY_HTTP_PORT: '0' }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve printed no URL in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 90_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /Parley is running: open (\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stdout: () => stdout, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before printing its URL\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}

async function register(url: string, username: string, inviteCode: string): Promise<void> {
  await new ParleyClient({ baseUrl: url }).register({ username, password: PASSWORD, inviteCode });
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof ApiError && err.code === code);
}

// Independent scenarios run side by side: each child pays Node's start-up cost.
describe('parley CLI', { concurrency: true }, () => {
  it('admin user add, list, weak password, disable', async () => {
    const dir = tempDir();
    const add = await parley(['admin', 'user', 'add', 'alice', '--password', PASSWORD], dir);
    assert.equal(add.code, 0, show(add));
    assert.match(add.stdout, /created alice \(id \d+\)/);

    const list = await parley(['admin', 'user', 'list'], dir);
    assert.equal(list.code, 0, show(list));
    assert.match(list.stdout, /^\s*\d+\s+alice\s+active$/m);

    const [weak, taken, usage] = await Promise.all([
      parley(['admin', 'user', 'add', 'bob', '--password', '12345678'], dir),
      parley(['admin', 'user', 'add', 'alice', '--password', PASSWORD], dir),
      parley(['admin', 'user', 'add'], dir),
    ]);
    assert.equal(weak.code, 1, show(weak));
    assert.match(weak.stderr, /password_weak/);
    assert.equal(taken.code, 1, show(taken));
    assert.match(taken.stderr, /username_taken/);
    assert.equal(usage.code, 2, show(usage));
    assert.match(usage.stderr, /usage: parley admin user add/);

    const disable = await parley(['admin', 'user', 'disable', 'alice'], dir);
    assert.equal(disable.code, 0, show(disable));
    const after = await parley(['admin', 'user', 'list'], dir);
    assert.match(after.stdout, /^\s*\d+\s+alice\s+disabled$/m);
    assert.doesNotMatch(after.stdout, /\bbob\b/, 'the weak password created no account');
  });

  it('serve prints the URL and a first invite; invite codes allow exactly their uses', async () => {
    const dir = tempDir();
    const server = await serve(dir);
    try {
      const first = /First invite code[^:]*: (\S+)/.exec(server.stdout());
      assert.ok(first, `no first invite code in:\n${server.stdout()}`);
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      await register(server.url, 'first_user', first[1]!);
      await rejectsWith(register(server.url, 'second_try', first[1]!), 'invite_invalid');

      const created = await parley(['admin', 'invite', 'create', '--uses', '2'], dir);
      assert.equal(created.code, 0, show(created));
      const code = created.stdout.trim();
      assert.match(code, /^[A-Za-z0-9_-]{16,}$/);
      await register(server.url, 'carol', code);
      await register(server.url, 'dave', code);
      await rejectsWith(register(server.url, 'erin', code), 'invite_invalid');
      await rejectsWith(new ParleyClient({ baseUrl: server.url }).register({ username: 'frank', password: PASSWORD }), 'invite_required');
    } finally {
      server.child.kill('SIGTERM');
    }
    assert.equal(await server.exited, 0, 'serve exits cleanly on SIGTERM');
  });

  it('serve prints no invite once accounts exist', async () => {
    const dir = tempDir();
    const add = await parley(['admin', 'user', 'add', 'owner', '--password', PASSWORD], dir);
    assert.equal(add.code, 0, show(add));
    const server = await serve(dir);
    server.child.kill('SIGTERM');
    await server.exited;
    assert.doesNotMatch(server.stdout(), /invite/i);
  });

  it('doctor passes on a good config and fails when the port is taken', async () => {
    const dir = tempDir();
    const probe = await listen();
    const freePort = (probe.address() as { port: number }).port;
    await close(probe);
    const taken = await listen();
    const takenPort = (taken.address() as { port: number }).port;
    try {
      const [good, busy] = await Promise.all([
        parley(['doctor'], dir, { PARLEY_HTTP_PORT: String(freePort) }),
        parley(['doctor'], dir, { PARLEY_HTTP_PORT: String(takenPort) }),
      ]);
      assert.equal(good.code, 0, show(good));
      assert.match(good.stdout, /ok {4}config/);
      assert.match(good.stdout, /ok {4}database: sqlite/);
      assert.match(good.stdout, new RegExp(`ok {4}http port 127\\.0\\.0\\.1:${freePort}: free`));
      assert.equal(busy.code, 1, show(busy));
      assert.match(busy.stdout, new RegExp(`FAIL {2}http port 127\\.0\\.0\\.1:${takenPort}: in use`));
    } finally {
      await close(taken);
    }
  });

  it('an unknown PARLEY_ variable or a bad config file exits 2 with the problem named', async () => {
    const dir = tempDir();
    const badKeys = join(dir, 'bad-keys.json');
    writeFileSync(badKeys, JSON.stringify({ http: { prot: 8080, port: 'eighty' } }));
    const badJson = join(dir, 'bad.json');
    writeFileSync(badJson, '{ "http": ');
    const [env, keys, json, value] = await Promise.all([
      parley(['doctor'], dir, { PARLEY_HTTP_PROT: '8080' }),
      parley(['doctor'], dir, { PARLEY_CONFIG: badKeys }),
      parley(['doctor'], dir, { PARLEY_CONFIG: badJson }),
      parley(['admin', 'user', 'list'], dir, { PARLEY_REGISTRATION: 'sometimes' }),
    ]);
    for (const r of [env, keys, json, value]) {
      assert.equal(r.code, 2, show(r));
      assert.match(r.stderr, /^invalid configuration:/);
      assert.equal(r.stdout, '', 'nothing runs on a bad config');
    }
    assert.match(env.stderr, /PARLEY_HTTP_PROT: unknown environment variable \(known: .*PARLEY_HTTP_PORT/);
    assert.match(keys.stderr, /http\.prot: unknown key/);
    assert.match(keys.stderr, /http\.port: /);
    assert.match(json.stderr, new RegExp(`${badJson.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    assert.match(value.stderr, /accounts\.registration: /);
  });
});
