import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/main.js';
import { BACKENDS, freshStore, testConfig, type TestStore } from '../helpers/backends.js';
import { OffsetClock } from '../helpers/auth.js';
import { PASSWORD, NodeWebSocket, eventually } from '../helpers/server.js';
import { ParleyClient } from '../../src/client/index.js';
import { httpsGet } from '../helpers/sip-client.js';

const FIXTURES = new URL('../../../tests/fixtures/sipp/', import.meta.url);
const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;

/** Runs a tool; resolves with its exit code and output (never rejects on a non-zero exit). */
function run(cmd: string, args: string[], opts: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

interface Provisioned {
  extension: string;
  authUser: string;
  secret: string;
}

/**
 * SIP interop with Debian's sipp (sip-tester) and SIPVicious, on the first configured back end. Both
 * tools read only the first digest challenge and know only MD5, so this server lists MD5 first.
 */
describe(`SIP against real tools: sipp, svwar, svcrack (${BACKENDS[0]})`, () => {
  const backend = BACKENDS[0]!;
  let store: TestStore;
  let server: RunningServer;
  let work: string;
  const clock = new OffsetClock();
  const devices = new Map<string, Provisioned>();
  let banScanners = false;

  async function start(): Promise<void> {
    server = await startServer(testConfig(store, { sip: { enabled: true, udpPort: 0, digestAlgorithms: ['MD5', 'SHA-256'], bans: { banScanners, refreshMs: 200 } } }), { clock });
  }

  before(async () => {
    store = freshStore(backend);
    work = mkdtempSync(join(tmpdir(), 'parley-sip-tools-'));
    await start();
    const ca = readFileSync(join(store.dataDir, 'sip-tls', 'cert.pem'));
    const dir = server.sip!.service.directory;
    // Extensions inside the range the scanner walks (100–1100), each with a provisioned device.
    for (const [i, ext] of ['100', '101', '102', '555', '1000'].entries()) {
      const c = new ParleyClient({ baseUrl: server.url, WebSocket: NodeWebSocket });
      await c.register({ username: `user${i}`, password: PASSWORD });
      await dir.addExtension(`user${i}`, ext);
      const { token } = await dir.addDevice(ext, 'desk', 'generic');
      const res = await httpsGet(`${server.sip!.listening.provisioningBase}${token}`, ca);
      devices.set(ext, { extension: ext, authUser: /auth_username=(\S+)/.exec(res.body)![1]!, secret: /^password=(\S+)$/m.exec(res.body)![1]! });
    }
  });
  after(async () => {
    await server.close();
    await store.drop();
    rmSync(work, { recursive: true, force: true });
  });

  function target(): string {
    return `127.0.0.1:${server.sip!.listening.udpPort}`;
  }

  it('svwar (REGISTER, INVITE, OPTIONS; with and without --force) finds no extension', async () => {
    for (const method of ['REGISTER', 'INVITE', 'OPTIONS']) {
      for (const force of [false, true]) {
        const args = ['-e100-1100', '-m', method, ...(force ? ['--force'] : []), '-t', '0.005', `udp://${target()}`];
        const { out } = await run('svwar', args, { timeoutMs: 120_000 });
        for (const ext of devices.keys()) assert.doesNotMatch(out, new RegExp(`\\|\\s*${ext}\\s*\\|`), `svwar -m ${method}${force ? ' --force' : ''} found ${ext}:\n${out}`);
        assert.doesNotMatch(out, /reqauth|noauth|weird/, `${method}: ${out}`);
      }
    }
    assert.equal(server.sip!.service.bans.list().length, 0, 'plain challenges are not failures');
  });

  it('svcrack with the secret\'s neighbours is banned after 5 failures, cracks nothing; a repeat gets a day; restart keeps it; `admin bans lift` lifts it', async () => {
    const d = devices.get('101')!;
    const s = d.secret;
    const neighbours = [s.slice(0, -1), `${s}x`, s.slice(1), `${s.slice(0, -1)}${s.endsWith('a') ? 'b' : 'a'}`, s.toUpperCase(), s.toLowerCase(), '0000', '1234', 'password', '101', d.authUser].filter((w) => w !== s);
    const dict = join(work, 'dict.txt');
    writeFileSync(dict, `${neighbours.join('\n')}\n`);
    const crack = () => run('svcrack', ['-u', d.authUser, '-d', dict, '-t', '0.05', '--maximumtime', '3', `udp://${target()}`], { timeoutMs: 120_000 });
    const first = await crack();
    assert.doesNotMatch(first.out, /\|\s*Extension\s*\|\s*Password/i, first.out);
    const [ban] = server.sip!.service.bans.list();
    assert.ok(ban, `banned:\n${first.out}`);
    assert.equal(ban.until - ban.bannedAt, 5 * 60_000);
    clock.advance(5 * 60_000 + 1000);
    const second = await crack();
    assert.doesNotMatch(second.out, /\|\s*Extension\s*\|\s*Password/i, second.out);
    const [again] = server.sip!.service.bans.list();
    assert.equal(again!.until - again!.bannedAt, 24 * 3600_000, 'second offence: a day');

    await server.close();
    await start();
    assert.equal(server.sip!.service.bans.list().length, 1, 'the ban survived a restart');
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PARLEY_')) env[k] = v;
    Object.assign(env, { PARLEY_DATA_DIR: store.dataDir, PARLEY_LOG_LEVEL: 'warn', PARLEY_SIP_TLS_PORT: '0', PARLEY_SIP_PROVISIONING_PORT: '0', PARLEY_RELAY_MANAGED: 'false' });
    const o = store.overrides.database as { url?: string; schema?: string } | undefined;
    if (o?.url) Object.assign(env, { PARLEY_DATABASE_URL: o.url, PARLEY_DATABASE_SCHEMA: o.schema });
    const listed = await run(process.execPath, [CLI, 'admin', 'bans', 'list'], { env });
    assert.match(listed.out, /127\.0\.0\.1\s+auth_failures/, listed.out);
    const lifted = await run(process.execPath, [CLI, 'admin', 'bans', 'lift', '127.0.0.1'], { env });
    assert.equal(lifted.code, 0, lifted.out);
    await eventually(() => server.sip!.service.bans.list().length === 0, 5000, 'lift reaches the running server');
  });

  it('sipp (UDP, MD5) registers, and a replayed authorisation is refused', async () => {
    const d = devices.get('100')!;
    const csv = join(work, 'reg.csv');
    const trace = join(work, 'reg-msg.log');
    writeFileSync(csv, `SEQUENTIAL\n${d.extension}\n`);
    const r = await run('sipp', ['-sf', new URL('register.xml', FIXTURES).pathname, '-inf', csv, '-au', d.authUser, '-ap', d.secret, '-m', '1', '-i', '127.0.0.1', '-p', String(await freeUdpPort()), '-t', 'u1', '-timeout', '20s', '-nostdin', '-trace_msg', '-message_file', trace, '-trace_err', '-error_file', join(work, 'reg-err.log'), target()], { cwd: work, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `sipp register scenario:\n${r.out}\n${safeRead(join(work, 'reg-err.log'))}`);
    // The Authorization sipp sent with the REGISTER that got 200, replayed byte for byte by a second sipp.
    const sent = /^Authorization: Digest [^\r\n]+/m.exec(readFileSync(trace, 'utf8'));
    assert.ok(sent, 'sipp sent credentials');
    writeFileSync(join(work, 'replay.csv'), `SEQUENTIAL\n${d.extension};${sent[0]}\n`);
    const replay = await run('sipp', ['-sf', new URL('replay.xml', FIXTURES).pathname, '-inf', join(work, 'replay.csv'), '-m', '1', '-i', '127.0.0.1', '-p', String(await freeUdpPort()), '-t', 'u1', '-timeout', '20s', '-nostdin', '-trace_err', '-error_file', join(work, 'replay-err.log'), target()], { cwd: work, timeoutMs: 60_000 });
    assert.equal(replay.code, 0, `the replay must get 401:\n${replay.out}\n${safeRead(join(work, 'replay-err.log'))}`);
    await server.sip!.service.bans.lift('127.0.0.1');
  });

  it('sipp completes a call between two registered extensions through Parley (407, forking, Record-Route, BYE)', async () => {
    const callee = devices.get('102')!;
    const caller = devices.get('555')!;
    writeFileSync(join(work, 'uas.csv'), `SEQUENTIAL\n${callee.extension}\n`);
    writeFileSync(join(work, 'uac.csv'), `SEQUENTIAL\n${caller.extension};${callee.extension}\n`);
    const calleePort = String(await freeUdpPort());
    const reg = await run('sipp', ['-sf', new URL('register.xml', FIXTURES).pathname, '-inf', join(work, 'uas.csv'), '-au', callee.authUser, '-ap', callee.secret, '-m', '1', '-i', '127.0.0.1', '-p', calleePort, '-t', 'u1', '-timeout', '20s', '-nostdin', target()], { cwd: work, timeoutMs: 60_000 });
    assert.equal(reg.code, 0, reg.out);
    const uas = run('sipp', ['-sf', new URL('uas.xml', FIXTURES).pathname, '-inf', join(work, 'uas.csv'), '-m', '1', '-i', '127.0.0.1', '-p', calleePort, '-mp', '16000', '-t', 'u1', '-timeout', '30s', '-nostdin', '-trace_err', '-error_file', join(work, 'uas-err.log'), target()], { cwd: work, timeoutMs: 60_000 });
    await eventually(() => server.sip!.service.registrar.lookup(callee.extension).length > 0, 15_000, 'callee registered');
    const uac = await run('sipp', ['-sf', new URL('uac.xml', FIXTURES).pathname, '-inf', join(work, 'uac.csv'), '-au', caller.authUser, '-ap', caller.secret, '-auth_uri', `${callee.extension}@127.0.0.1`, '-m', '1', '-i', '127.0.0.1', '-p', String(await freeUdpPort()), '-mp', '16100', '-t', 'u1', '-timeout', '30s', '-nostdin', '-trace_err', '-error_file', join(work, 'uac-err.log'), target()], { cwd: work, timeoutMs: 60_000 });
    const uasResult = await uas;
    assert.equal(uac.code, 0, `caller:\n${uac.out}\n${safeRead(join(work, 'uac-err.log'))}`);
    assert.equal(uasResult.code, 0, `callee:\n${uasResult.out}\n${safeRead(join(work, 'uas-err.log'))}`);
  });

  it('with the default scanner ban on, svwar is banned at its first packet and finds nothing', async () => {
    banScanners = true;
    await server.close();
    await start();
    const { out } = await run('svwar', ['-e100-110', '-m', 'INVITE', '--force', '-t', '0.01', `udp://${target()}`], { timeoutMs: 120_000 });
    assert.doesNotMatch(out, /reqauth|noauth|weird/, out);
    const bans = server.sip!.service.bans.list();
    assert.equal(bans.length, 1);
    assert.equal(bans[0]!.reason, 'scanner');
    assert.equal(bans[0]!.until - bans[0]!.bannedAt, 24 * 3600_000);
    await server.sip!.service.bans.lift('127.0.0.1');
  });
});

/** A UDP port the OS says is free now (sipp needs a fixed local port for its Via/Contact). */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-4000);
  } catch {
    return '';
  }
}
