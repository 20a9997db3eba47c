import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { Topology, deleteStaleNamespaces, netnsUnavailable, startCapture, type Topology as T } from '../helpers/netns.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A UDP echo server: answers every datagram with the same bytes. */
const ECHO = `
const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(Number(process.argv[1]), process.argv[2], () => console.log('ready'));`;

/** Sends N datagrams to host:port one after another and prints how many echoes came back. */
const SEND = `
const [host, port, n] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const s = require('node:dgram').createSocket('udp4');
let echoes = 0, sent = 0, timer;
s.on('message', () => { echoes++; if (echoes === n) done(); });
function done() { clearTimeout(timer); console.log(JSON.stringify({ sent, echoes })); s.close(); }
s.bind(0, () => {
  const next = () => { if (sent === n) return; s.send(Buffer.alloc(100, sent), port, host, () => { sent++; setTimeout(next, 5); }); };
  next();
  timer = setTimeout(done, 5000);
});`;

function audit(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PARLEY_')) env[k] = v;
  const r = spawnSync(process.execPath, [CLI, 'audit', ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function startEcho(t: T, host: string, port: number): Promise<void> {
  const child = t.exec(host, process.execPath, ['-e', ECHO, String(port), t.host(host).ip]);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`echo server in ${host} exited (${code})`)));
  });
}

async function send(t: T, from: string, to: string, port: number, n: number): Promise<{ sent: number; echoes: number }> {
  const r = await t.run(from, process.execPath, ['-e', SEND, t.host(to).ip, String(port), String(n)]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as { sent: number; echoes: number };
}

const skip = netnsUnavailable();

describe('network namespaces + parley audit: plain UDP through a router', { skip: skip ?? false }, () => {
  let t: Topology;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-netns-audit-'));
    t = await Topology.create([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    await startEcho(t, 'c', 9000);
    await startEcho(t, 'b', 9001);
  });

  after(async () => {
    await t?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('b talking only to c, while a also talks to c: the audit of b\'s link shows c and not a (exit 0)', async () => {
    const cap = await startCapture(t, 'b', join(dir, 'clean.pcapng'));
    const fromB = await send(t, 'b', 'c', 9000, 20);
    const fromA = await send(t, 'a', 'c', 9000, 20);
    await cap.stop();
    // Traffic really flowed (through the router): otherwise an empty capture would pass.
    assert.deepEqual(fromB, { sent: 20, echoes: 20 });
    assert.deepEqual(fromA, { sent: 20, echoes: 20 });

    const r = audit(cap.file, '--self', t.host('b').ip, '--peer', t.host('a').ip, '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const json = JSON.parse(r.stdout) as { remotes: { remote: string; protocol: string; remotePort: number; packetsOut: number; packetsIn: number }[]; peerPackets: number; problems: unknown[] };
    assert.deepEqual(json.problems, []);
    assert.equal(json.peerPackets, 0);
    const toC = json.remotes.filter((x) => x.remote === t.host('c').ip && x.protocol === 'udp' && x.remotePort === 9000);
    assert.equal(toC.length, 1);
    assert.deepEqual([toC[0]!.packetsOut, toC[0]!.packetsIn], [20, 20]);
    assert.ok(json.remotes.every((x) => x.remote !== t.host('a').ip));
  });

  it('a sending to b directly: the audit flags a (exit 3), and agrees with tshark\'s own count', async () => {
    const cap = await startCapture(t, 'b', join(dir, 'leak.pcap'), { format: 'pcap' });
    const fromA = await send(t, 'a', 'b', 9001, 7);
    await cap.stop();
    assert.deepEqual(fromA, { sent: 7, echoes: 7 });

    const r = audit(cap.file, '--self', t.host('b').ip, '--peer', t.host('a').ip);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.at(-1), '1 remote address, 14 packets to/from peers');
    assert.ok(lines.some((l) => l.startsWith('PEER') && l.includes(t.host('a').ip) && l.includes(`${t.host('b').ip}:9001`)), r.stdout);

    const tshark = spawnSync('tshark', ['-r', cap.file, '-Y', `ip.addr == ${t.host('a').ip}`, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
    assert.equal(tshark.stdout.trim().split('\n').filter(Boolean).length, 14);
  });

  it('destroy() removes the namespaces', async () => {
    const names = [t.router, ...[...t.hosts.values()].map((h) => h.ns)];
    await t.destroy();
    const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    for (const n of names) assert.ok(!list.split('\n').some((l) => l.split(' ')[0] === n), `${n} still exists`);
  });

  it('namespaces of a crashed run (its pid gone) are deleted, with what runs inside; live runs\' are kept', async () => {
    const deadPid = spawnSync('true').pid!;
    const stale = `pv-${deadPid}-1-crashed`;
    const mine = `pv-${process.pid}-999-live`;
    spawnSync('ip', ['netns', 'add', stale]);
    spawnSync('ip', ['netns', 'add', mine]);
    const sleeper = spawn('ip', ['netns', 'exec', stale, 'sleep', '600'], { stdio: 'ignore' });
    const sleeperExit = new Promise<NodeJS.Signals | null>((resolve) => sleeper.once('exit', (_code, signal) => resolve(signal)));
    try {
      await new Promise((r) => setTimeout(r, 200));
      const deleted = await deleteStaleNamespaces();
      assert.ok(deleted.includes(stale), `deleted ${deleted.join(', ')}`);
      assert.ok(!deleted.includes(mine));
      assert.equal(await sleeperExit, 'SIGKILL', 'the process inside the stale namespace was ended');
      const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]);
      assert.ok(!list.includes(stale));
      assert.ok(list.includes(mine));
    } finally {
      sleeper.kill('SIGKILL');
      spawnSync('ip', ['netns', 'del', stale]);
      spawnSync('ip', ['netns', 'del', mine]);
    }
  });
});
