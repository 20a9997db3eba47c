import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startServer, type RunningServer } from '../../src/main.js';
import { BACKENDS, freshStore, testConfig, type TestStore } from '../helpers/backends.js';
import { OffsetClock } from '../helpers/auth.js';
import { eventually } from '../helpers/server.js';
import { SqlAddressBanStore } from '../../src/sip/ban-store.js';
import { processStart } from '../../src/sip/kernel-drop.js';
import { parseMessage } from '../../src/sip/parser/index.js';

// Banned sources dropped by nftables (src/sip/kernel-drop.ts). Needs root and `nft` (Debian package
// nftables, installed by scripts/ensure.mjs); the kernel part is skipped, with the reason, without them.
const NFT = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find((p) => existsSync(p));
const canNft = process.getuid?.() === 0 && NFT !== undefined;
const skip = canNft ? false : 'needs root and nft (apt-get install nftables)';

function nft(...args: string[]): string {
  return execFileSync(NFT!, args, { encoding: 'utf8' });
}

function tables(): string[] {
  return [...nft('list', 'tables').matchAll(/^table inet (\S+)$/gm)].map((m) => m[1]!);
}

/** Elements of one of our sets: address → timeout in seconds. */
function setElements(table: string, set: 'banned4' | 'banned6'): Map<string, number> {
  const json = JSON.parse(nft('-j', 'list', 'set', 'inet', table, set)) as { nftables: Array<{ set?: { elem?: Array<{ elem: { val: string; timeout: number } } | string> } }> };
  const out = new Map<string, number>();
  for (const item of json.nftables) for (const e of item.set?.elem ?? []) {
    if (typeof e === 'string') out.set(e, Infinity);
    else out.set(e.elem.val, e.elem.timeout);
  }
  return out;
}

/** Packets counted by our drop rule for this protocol and address family. */
function dropped(table: string, proto: 'udp' | 'tcp', set: 'banned4' | 'banned6' = 'banned4'): number {
  const json = JSON.parse(nft('-j', 'list', 'chain', 'inet', table, 'prerouting')) as { nftables: Array<{ rule?: { expr: unknown[] } }> };
  for (const item of json.nftables) {
    if (!item.rule) continue;
    const text = JSON.stringify(item.rule.expr);
    if (!text.includes(`"protocol":"${proto}"`) || !text.includes(`"@${set}"`)) continue;
    const counter = item.rule.expr.find((x): x is { counter: { packets: number } } => typeof x === 'object' && x !== null && 'counter' in x);
    return counter?.counter.packets ?? 0;
  }
  throw new Error(`no ${proto}/${set} rule in ${table}`);
}

function options(port: number): Buffer {
  const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
  return Buffer.from(
    `OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:${port};branch=${branch};rport\r\nFrom: <sip:probe@parley>;tag=${randomBytes(4).toString('hex')}\r\n` +
      `To: <sip:127.0.0.1>\r\nCall-ID: ${randomBytes(8).toString('hex')}@test\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  );
}

/** A UDP socket on 127.0.0.2 (any 127/8 address is local on Linux): the "attacker". */
class Prober {
  private socket: Socket | undefined;
  private answers = 0;
  port = 0;
  async open(): Promise<void> {
    const s = createSocket('udp4');
    s.on('message', (m) => {
      if (parseMessage(m, { datagram: true }).ok) this.answers++;
    });
    await new Promise<void>((r) => s.bind(0, '127.0.0.2', () => r()));
    this.port = s.address().port;
    this.socket = s;
  }
  /** Sends `n` OPTIONS and returns how many answers came back within `waitMs`. */
  async probe(target: number, n: number, waitMs = 400): Promise<number> {
    const before = this.answers;
    for (let i = 0; i < n; i++) this.socket!.send(options(this.port), target, '127.0.0.1');
    await new Promise((r) => setTimeout(r, waitMs));
    return this.answers - before;
  }
  close(): void {
    this.socket?.close();
  }
}

async function userlandDrops(server: RunningServer): Promise<number> {
  const metric = server.services.metrics.registry.getSingleMetric('parley_sip_events_total');
  const values = (await metric!.get()).values;
  return values.find((v) => v.labels.event === 'dropped_banned')?.value ?? 0;
}

/** Whether a TCP connection from 127.0.0.2 to the port completes within `ms`. */
function tcpConnects(port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ms);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

for (const backend of BACKENDS) {
  describe(`SIP bans dropped by the kernel (nftables) (${backend})`, () => {
    let store: TestStore;
    let server: RunningServer;
    let table: string;
    const deadPid = `parley_sip_999999999_1_1`;
    const reusedPid = `parley_sip_${process.pid}_${(processStart(process.pid) ?? 0) + 1}_1`;
    const foreign = `parley_keep_${process.pid}`;

    before(async () => {
      store = freshStore(backend);
      if (canNft) {
        // Tables a crashed Parley could have left (a dead pid; this pid with another start time) and
        // one that is not ours: the first two are removed at start, the third is never touched.
        for (const t of [deadPid, reusedPid, foreign]) nft('add', 'table', 'inet', t);
      }
    });
    after(async () => {
      await server?.close().catch(() => undefined);
      if (canNft) for (const t of [deadPid, reusedPid, foreign]) if (tables().includes(t)) nft('delete', 'table', 'inet', t);
      await store.drop();
    });

    it('creates its own table, removes dead processes\' tables, and touches nothing else', { skip }, async () => {
      // No injected clock: kernel timeouts run on real time, so the ban engine must too.
      server = await startServer(testConfig(store, { sip: { enabled: true, udpPort: 0, tcpPort: 0, bans: { refreshMs: 200 } } }));
      const kd = server.sip!.service.kernelDrop;
      assert.equal(kd.active, true);
      table = kd.table;
      const now = tables();
      assert.ok(now.includes(table), `our table ${table} exists: ${now.join(', ')}`);
      assert.ok(!now.includes(deadPid), 'a dead process\'s table is removed');
      assert.ok(!now.includes(reusedPid), 'a table of a reused pid (other start time) is removed');
      assert.ok(now.includes(foreign), 'other tables are left alone');
      const chain = nft('list', 'chain', 'inet', table, 'prerouting');
      const l = server.sip!.listening;
      assert.match(chain, new RegExp(`udp dport ${l.udpPort} ip saddr @banned4 counter packets \\d+ bytes \\d+ drop`));
      for (const p of [l.tlsPort, l.tcpPort!, l.provisioningPort!]) assert.match(chain, new RegExp(`tcp dport \\{[^}]*\\b${p}\\b`));
    });

    it('a ban puts the address in the set and its datagrams are dropped by the rule, before Parley sees them', { skip }, async () => {
      const udpPort = server.sip!.listening.udpPort!;
      const prober = new Prober();
      await prober.open();
      assert.equal(await prober.probe(udpPort, 1), 1, 'not banned yet: OPTIONS sip:host is answered');

      const ban = await server.sip!.service.bans.banNow('127.0.0.2', 'operator');
      assert.ok(ban);
      await server.sip!.service.kernelDrop.settled();
      const timeout = setElements(table, 'banned4').get('127.0.0.2');
      assert.ok(timeout !== undefined && timeout > 290 && timeout <= 300, `in the set with the ban's 5 minutes: ${timeout}`);

      const kernelBefore = dropped(table, 'udp');
      const userBefore = await userlandDrops(server);
      assert.equal(await prober.probe(udpPort, 25), 0, 'banned: no answer');
      assert.ok(dropped(table, 'udp') - kernelBefore >= 25, 'the kernel rule counted every datagram');
      assert.equal(await userlandDrops(server), userBefore, 'none of them reached Parley\'s own drop');

      const tcpBefore = dropped(table, 'tcp');
      assert.equal(await tcpConnects(server.sip!.listening.tlsPort, 400), false, 'a TCP connection from a banned address never completes');
      assert.ok(dropped(table, 'tcp') > tcpBefore, 'its SYN was dropped by the kernel');

      // IPv6 bans go to the other set.
      await server.sip!.service.bans.banNow('2001:db8::7', 'operator');
      await server.sip!.service.kernelDrop.settled();
      assert.ok(setElements(table, 'banned6').has('2001:db8::7'));

      // Lifted in this process: gone from the kernel at once.
      assert.equal(await server.sip!.service.bans.lift('127.0.0.2'), true);
      await server.sip!.service.kernelDrop.settled();
      assert.equal(setElements(table, 'banned4').has('127.0.0.2'), false);
      assert.equal(await prober.probe(udpPort, 1), 1, 'lifted: answered again');
      prober.close();
    });

    it('bans made or lifted by another process (`parley admin bans`) reach the set through the refresh', { skip }, async () => {
      const other = new SqlAddressBanStore(server.services.database.db);
      const now = Date.now();
      await other.save({ address: '127.0.0.2', reason: 'operator', bannedAt: now, until: now + 60_000, offences: 1 });
      await eventually(() => setElements(table, 'banned4').has('127.0.0.2'), 5000, 'a ban from the store reaches the kernel');
      await other.remove('127.0.0.2');
      await eventually(() => !setElements(table, 'banned4').has('127.0.0.2'), 5000, 'a lift from the store reaches the kernel');
    });

    it('two SIP services in one process get a table each', { skip }, async () => {
      const otherStore = freshStore(backend);
      const second = await startServer(testConfig(otherStore, { sip: { enabled: true, udpPort: 0 } }));
      let closed = false;
      try {
        const other = second.sip!.service.kernelDrop.table;
        assert.notEqual(other, table);
        assert.ok(tables().includes(other) && tables().includes(table));
        closed = true;
        await second.close();
        assert.ok(!tables().includes(other), 'closing one deletes its own table');
        assert.ok(tables().includes(table), 'and leaves the other');
      } finally {
        if (!closed) await second.close();
        await otherStore.drop();
      }
    });

    it('a restart reinstalls persisted bans; close deletes the table', { skip }, async () => {
      await server.sip!.service.bans.banNow('127.0.0.2', 'operator');
      await server.close();
      assert.ok(!tables().includes(table), 'table gone after close');
      server = await startServer(testConfig(store, { sip: { enabled: true, udpPort: 0, bans: { refreshMs: 200 } } }));
      table = server.sip!.service.kernelDrop.table;
      assert.ok(setElements(table, 'banned4').has('127.0.0.2'), 'the persisted ban is in the new table');
      const prober = new Prober();
      await prober.open();
      assert.equal(await prober.probe(server.sip!.listening.udpPort!, 3), 0);
      prober.close();
      await server.sip!.service.bans.lift('127.0.0.2');
      await server.close();
      assert.ok(!tables().includes(table));
    });

    it('falls back to the userland drop when off, or when the ban engine runs on an injected clock', async () => {
      for (const [overrides, clock] of [[{ bans: { kernelDrop: 'off' } }, undefined], [{}, new OffsetClock()]] as const) {
        server = await startServer(testConfig(store, { sip: { enabled: true, udpPort: 0, ...overrides } }), clock ? { clock } : {});
        const kd = server.sip!.service.kernelDrop;
        assert.equal(kd.active, false);
        if (canNft) assert.ok(!tables().includes(kd.table), 'no table');
        // The userland drop still works.
        await server.sip!.service.bans.banNow('127.0.0.2', 'operator');
        const prober = new Prober();
        await prober.open();
        const before = await userlandDrops(server);
        assert.equal(await prober.probe(server.sip!.listening.udpPort!, 5), 0);
        assert.equal(await userlandDrops(server), before + 5, 'dropped by Parley');
        prober.close();
        await server.sip!.service.bans.lift('127.0.0.2');
        await server.close();
      }
    });
  });
}
