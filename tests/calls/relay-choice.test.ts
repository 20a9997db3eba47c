import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Topology, netemSupported, netnsUnavailable, startCapture, startUdpDelayProxy, type UdpDelayProxy } from '../helpers/netns.js';
import { CallAgent, startNamespacedServer, type AgentStats, type NamespacedServer } from '../helpers/call-agent.js';
import { auditCapture } from '../../src/audit/audit.js';
import { readCapture } from '../../src/audit/pcap.js';

/**
 * Relay choice (issue 4): with two relays at different distances, the client measures its round
 * trip to each (measureRelays, src/client/calls/relay-rtt.ts) and the call uses the nearer one.
 *
 *   alice 10.77.1.2 ─┐                  ┌─ hub 10.77.3.2: parley serve + managed coturn (relay `local`)
 *   bob   10.77.2.2 ─┴───── router ─────┴─ ext 10.77.4.2: a second coturn (relay `ext`, relays.external)
 *
 * One relay's link gets 80 ms, the other's 5 ms; then the delays are swapped, so the choice cannot
 * come from the order the server lists the relays in. The delay is `tc qdisc … netem` on the link
 * when the kernel has sch_netem; kernels without it (some VM kernels) get the same round trips from
 * a userspace UDP forwarder in front of each coturn. Both coturns listen on 127.0.0.1:3479 inside
 * their host and are reached through that forwarder on <host address>:3479 in either mode (zero
 * added delay when netem does the delaying), so the set-up is the same.
 */

const HUB = '10.77.3.2';
const EXT = '10.77.4.2';
const TURN_PORT = 3479;

/** coturn for the `ext` host: minimal config of our own (TESTING.md), files in `dir`. */
function extRelayConfig(dir: string, secret: string): string {
  const conf = join(dir, 'ext-turnserver.conf');
  writeFileSync(conf, [
    'listening-ip=127.0.0.1', `listening-port=${TURN_PORT}`, `relay-ip=${EXT}`, 'realm=parley', 'use-auth-secret', `static-auth-secret=${secret}`,
    'fingerprint', 'no-cli', 'no-tls', 'no-dtls', 'no-tcp', 'no-tcp-relay', 'no-multicast-peers', 'no-software-attribute',
    `userdb=${join(dir, 'ext-turndb')}`, `pidfile=${join(dir, 'ext-turnserver.pid')}`, 'log-file=stdout', 'simple-log', '',
  ].join('\n'), { mode: 0o600 });
  return conf;
}

/** Sends STUN Binding requests (RFC 5389 §6) from inside the namespace until coturn answers. */
const STUN_PING = `
const s = require('node:dgram').createSocket('udp4');
const tx = require('node:crypto').randomBytes(12);
const req = Buffer.concat([Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]), tx]);
s.on('message', (m) => { if (m.length >= 20 && m.subarray(8, 20).equals(tx)) { console.log('ok'); process.exit(0); } });
setInterval(() => s.send(req, Number(process.argv[2]), process.argv[1]), 100);
setTimeout(() => process.exit(1), 10000);`;

const skip = netnsUnavailable();

describe('relay choice: the call uses the relay with the lower round trip', { skip: skip ?? false }, () => {
  let t: Topology;
  let dir: string;
  let server: NamespacedServer;
  let alice: CallAgent;
  let bob: CallAgent;
  let useNetem = false;
  const proxies = new Map<string, UdpDelayProxy>();

  /** Adds `ms` to the round trip between every other host and the relay host `name`. */
  async function delay(name: 'hub' | 'ext', ms: number): Promise<void> {
    if (useNetem) await t.netem(name, { delayMs: ms });
    else await proxies.get(name)!.setDelay(ms);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-relay-choice-'));
    t = await Topology.create([{ name: 'alice', subnet: 1 }, { name: 'bob', subnet: 2 }, { name: 'hub', subnet: 3 }, { name: 'ext', subnet: 4 }]);
    useNetem = await netemSupported(t);
    for (const [name, ip] of [['hub', HUB], ['ext', EXT]] as const) {
      proxies.set(name, await startUdpDelayProxy(t, name, { listenIp: ip, listenPort: TURN_PORT, targetIp: '127.0.0.1', targetPort: TURN_PORT }));
    }
    const secret = randomBytes(24).toString('hex');
    const turn = t.exec('ext', 'turnserver', ['-c', extRelayConfig(dir, secret)]);
    turn.stdout!.resume();
    turn.stderr!.resume();
    const ping = await t.run('ext', process.execPath, ['-e', STUN_PING, EXT, String(TURN_PORT)]);
    assert.equal(ping.code, 0, 'the external coturn answers STUN');
    server = await startNamespacedServer(t, 'hub', dir, {
      relays: {
        // Clients get turn:10.77.3.2:3479 (publicHost), the forwarder's address; coturn relays on HUB.
        managed: { enabled: true, listenIp: '127.0.0.1', relayIp: HUB, publicHost: HUB, port: TURN_PORT, allowedPeerRanges: ['10.77.0.0-10.77.255.255'] },
        external: [{ id: 'ext', region: 'ext', urls: [`turn:${EXT}:${TURN_PORT}?transport=udp`], secret }],
      },
    });
    [alice, bob] = await Promise.all([
      CallAgent.start(t, 'alice', { url: server.url, username: 'alice' }),
      CallAgent.start(t, 'bob', { url: server.url, username: 'bob' }),
    ]);
    // Alice is relayed (protectIp), so her media must go through the relay she chose.
    await alice.send({ cmd: 'settings', settings: { protectIp: true } });
  });

  afterEach(async () => {
    for (const a of [alice, bob]) await a?.send({ cmd: 'hangup' }).catch(() => undefined);
    for (const a of [alice, bob]) await a?.send({ cmd: 'waitEnded', timeoutMs: 10000 }).catch(() => undefined);
  });

  after(async () => {
    await Promise.all([alice?.quit(), bob?.quit()].map((p) => p?.catch(() => undefined)));
    await server?.stop().catch(() => undefined);
    await t?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One call from alice to bob with alice's link captured; returns alice's stats and the capture's audit. */
  async function callAndCapture(name: string): Promise<{ stats: AgentStats; bob: AgentStats; udpPackets: (address: string) => number }> {
    const cap = await startCapture(t, 'alice', join(dir, `${name}.pcapng`));
    await alice.send({ cmd: 'call', accountId: bob.accountId });
    await bob.send({ cmd: 'waitIncoming' });
    await bob.send({ cmd: 'answer' });
    await Promise.all([alice.send({ cmd: 'firstAudio' }), bob.send({ cmd: 'firstAudio' })]);
    // Wait until the stats show the selected pair (refreshed every second).
    let stats = await alice.stats();
    for (let i = 0; i < 40 && !(stats.selected && stats.quality?.relayId && stats.quality.audioBytesReceived > 0); i++) {
      await new Promise((r) => setTimeout(r, 250));
      stats = await alice.stats();
    }
    const bobStats = await bob.stats();
    await alice.send({ cmd: 'hangup' });
    await bob.send({ cmd: 'waitEnded' });
    await cap.stop();
    const report = auditCapture(readCapture(new Uint8Array(readFileSync(cap.file))).packets, { self: [t.host('alice').ip], peers: [t.host('bob').ip] });
    assert.equal(report.peerPackets, 0, 'alice is protected: nothing between her and bob directly');
    const udpPackets = (address: string): number => report.remotes.filter((r) => r.remote === address && r.protocol === 'udp').reduce((n, r) => n + r.packetsIn + r.packetsOut, 0);
    return { stats, bob: bobStats, udpPackets };
  }

  function assertChose(r: Awaited<ReturnType<typeof callAndCapture>>, near: { id: string; ip: string }, far: { id: string; ip: string }): void {
    const q = r.stats.quality!;
    const rtt = (id: string): number | null => q.relayRtts.find((x) => x.id === id)?.rttMs ?? null;
    assert.ok(rtt(near.id) !== null && rtt(far.id) !== null, `both relays measured: ${JSON.stringify(q.relayRtts)}`);
    assert.ok(rtt(near.id)! < rtt(far.id)!, `${near.id} measured nearer: ${JSON.stringify(q.relayRtts)}`);
    assert.equal(q.relayId, near.id, `alice's call uses ${near.id}: ${JSON.stringify(q)}`);
    assert.equal(r.bob.quality?.relayId, near.id, `bob measured the same: ${JSON.stringify(r.bob.quality)}`);
    assert.ok(q.audioBytesReceived > 0, 'media flowed');
    // The selected pair's local candidate is a relay candidate allocated on the near relay.
    assert.equal(r.stats.selected?.local.type, 'relay', JSON.stringify(r.stats.selected));
    assert.equal(r.stats.selected?.local.address, near.ip, JSON.stringify(r.stats.selected));
    // And on the wire: the media went to the near relay; the far one saw only the RTT probe.
    assert.ok(r.udpPackets(near.ip) > 100, `media via ${near.ip}: ${r.udpPackets(near.ip)} UDP packets`);
    assert.ok(r.udpPackets(far.ip) < 30, `only the probe to ${far.ip}: ${r.udpPackets(far.ip)} UDP packets`);
  }

  it('ext 5 ms away, the managed relay 80 ms: the call goes through ext', async (ctx) => {
    ctx.diagnostic(useNetem ? 'delays: tc netem' : 'delays: userspace UDP forwarder (this kernel has no sch_netem)');
    await delay('ext', 5);
    await delay('hub', 80);
    assertChose(await callAndCapture('ext-near'), { id: 'ext', ip: EXT }, { id: 'local', ip: HUB });
  });

  it('delays swapped: the call goes through the managed relay', async () => {
    await delay('ext', 80);
    await delay('hub', 5);
    assertChose(await callAndCapture('hub-near'), { id: 'local', ip: HUB }, { id: 'ext', ip: EXT });
  });
});
