import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { auditCapture, Auditor } from './audit.js';
import { classicPcap, ipv4, ipv6 } from './build-capture.js';
import { readCapture } from './pcap.js';
import { formatReport, reportJson, summaryLine } from './report.js';
import type { Packet } from './types.js';

const TESTDATA = new URL('../../../src/audit/testdata/', import.meta.url);

function packets(frames: { at: number; ip: Uint8Array }[]): Packet[] {
  const r = readCapture(classicPcap(frames.map((f) => ({ seconds: f.at, fraction: 0, data: f.ip })), { linkType: 101 }));
  assert.deepEqual(r.problems, []);
  return r.packets;
}

const SELF = '10.77.2.2';
const PEER = '10.77.1.2';
const RELAY = '10.77.3.2';
const udp = (src: string, dst: string, srcPort: number, dstPort: number, size = 20): Uint8Array => ipv4({ src, dst, protocol: 17, srcPort, dstPort, payload: new Uint8Array(size) });

describe('auditCapture', () => {
  it('one row per remote × protocol × ports with counts in each direction and first/last seen', () => {
    const report = auditCapture(packets([
      { at: 10, ip: udp(SELF, RELAY, 50000, 3478) },
      { at: 11, ip: udp(RELAY, SELF, 3478, 50000, 100) },
      { at: 12, ip: udp(SELF, RELAY, 50000, 3478) },
      { at: 13, ip: udp(SELF, RELAY, 50001, 3478) },
      { at: 14, ip: ipv4({ src: SELF, dst: RELAY, protocol: 6, srcPort: 40000, dstPort: 8080 }) },
    ]), { self: [SELF], peers: [PEER] });
    assert.equal(report.peerPackets, 0);
    assert.equal(report.remoteAddresses, 1);
    const ipLen = (payload: number): number => 20 + 8 + payload;
    assert.deepEqual(report.remotes.map((r) => [r.remote, r.protocol, r.remotePort, r.local, r.localPort, r.packetsOut, r.packetsIn, r.bytesOut, r.bytesIn, r.firstSeenUs, r.lastSeenUs, r.peer]), [
      [RELAY, 'tcp', 8080, SELF, 40000, 1, 0, 40, 0, 14e6, 14e6, false],
      [RELAY, 'udp', 3478, SELF, 50000, 2, 1, 2 * ipLen(20), ipLen(100), 10e6, 12e6, false],
      [RELAY, 'udp', 3478, SELF, 50001, 1, 0, ipLen(20), 0, 13e6, 13e6, false],
    ]);
  });

  it('flags the peer, counts its packets, and lists peer rows first', () => {
    const report = auditCapture(packets([
      { at: 1, ip: udp(SELF, RELAY, 50000, 3478) },
      { at: 2, ip: udp(PEER, SELF, 6000, 50000) },
      { at: 3, ip: ipv4({ src: SELF, dst: PEER, protocol: 1, payload: new Uint8Array(8) }) },
    ]), { self: [SELF], peers: [PEER] });
    assert.equal(report.peerPackets, 2);
    assert.deepEqual(report.remotes.map((r) => [r.remote, r.protocol, r.peer]), [[PEER, 'icmp', true], [PEER, 'udp', true], [RELAY, 'udp', false]]);
    assert.equal(summaryLine(report), '2 remote addresses, 2 packets to/from peers');
  });

  it('traffic not involving self is listed apart, and still counts for peers (a wrong --self cannot hide a leak)', () => {
    const report = auditCapture(packets([{ at: 1, ip: udp(PEER, '10.77.9.9', 1, 2) }, { at: 2, ip: udp('10.77.9.9', PEER, 2, 1) }]), { self: ['10.77.2.99'], peers: [PEER] });
    assert.equal(report.remotes.length, 0);
    assert.equal(report.peerPackets, 2);
    assert.deepEqual(report.notInvolvingSelf.map((r) => [r.a, r.b, r.protocol, r.packets, r.peer]), [[PEER, '10.77.9.9', 'udp', 2, true]]);
  });

  it('matches IPv6 addresses however they were typed; packets between self addresses are not remote', () => {
    const report = auditCapture(packets([
      { at: 1, ip: ipv6({ src: '2001:db8::2', dst: '2001:db8::1', protocol: 17, srcPort: 1, dstPort: 2 }) },
      { at: 2, ip: ipv6({ src: '2001:db8::2', dst: '::1', protocol: 17, srcPort: 1, dstPort: 2 }) },
    ]), { self: ['2001:DB8:0::2', '::1'], peers: ['2001:0db8::0001'] });
    assert.equal(report.peerPackets, 1);
    assert.equal(report.betweenSelf, 1);
    assert.deepEqual(report.remotes.map((r) => [r.remote, r.peer]), [['2001:db8::1', true]]);
  });

  it('the real fixture: what tshark counts for the peer is what the audit counts', () => {
    const bytes = readFileSync(new URL('ether.pcap', TESTDATA));
    const { packets: all } = readCapture(bytes);
    const report = auditCapture(all, { self: ['192.0.2.2', '2001:db8::2'], peers: ['192.0.2.1'] });
    const tsv = readFileSync(new URL('ether.pcap.tsv', TESTDATA), 'utf8').trim().split('\n').map((l) => l.split('\t'));
    const tsharkPeer = tsv.filter((c) => c[4] === '192.0.2.1' || c[5] === '192.0.2.1').length;
    assert.ok(tsharkPeer > 10);
    assert.equal(report.peerPackets, tsharkPeer);
    const peerRows = report.remotes.filter((r) => r.peer);
    assert.equal(peerRows.reduce((n, r) => n + r.packetsIn + r.packetsOut, 0), tsharkPeer);
    assert.ok(peerRows.some((r) => r.protocol === 'tcp' && r.remotePort === 40000 && r.localPort === 6000));
    assert.ok(peerRows.some((r) => r.protocol === 'udp' && r.remotePort === 41000 && r.localPort === 5000 && r.packetsOut === 2 && r.packetsIn === 4));
    assert.equal(report.nonIp.arp, 2);
  });

  it('an Auditor fed packet by packet equals auditCapture', () => {
    const all = readCapture(readFileSync(new URL('multi.pcapng', TESTDATA))).packets;
    const a = new Auditor({ self: ['192.0.2.2'], peers: [] });
    for (const p of all) a.add(p);
    assert.deepEqual(a.report(), auditCapture(all, { self: ['192.0.2.2'], peers: [] }));
  });
});

describe('report output', () => {
  const report = auditCapture(packets([
    { at: 1_700_000_000, ip: udp(SELF, RELAY, 50000, 3478) },
    { at: 1_700_000_001, ip: udp(PEER, SELF, 6000, 50000) },
  ]), { self: [SELF], peers: [PEER] });
  const input = { file: 'x.pcap', format: 'pcap' as const, report, problems: [{ offset: 99, frame: 2, message: 'test problem' }], problemsOmitted: 0 };

  it('the table flags the peer row and ends with the summary line', () => {
    const lines = formatReport(input);
    assert.equal(lines.at(-1), '2 remote addresses, 1 packet to/from peers');
    const peerLine = lines.find((l) => l.startsWith('PEER'));
    assert.ok(peerLine?.includes(PEER) && peerLine.includes('6000') && peerLine.includes('2023-11-14 22:13:21.000'), peerLine);
    assert.ok(lines.some((l) => l.includes(RELAY) && l.includes('3478') && !l.startsWith('PEER')));
    assert.ok(lines.some((l) => l.includes('offset 99 (frame 2): test problem')));
  });

  it('JSON carries remotes, peerPackets and problems', () => {
    const json = JSON.parse(JSON.stringify(reportJson(input))) as { remotes: { remote: string; firstSeen: string }[]; peerPackets: number; problems: unknown[] };
    assert.equal(json.peerPackets, 1);
    assert.equal(json.problems.length, 1);
    assert.deepEqual(json.remotes.map((r) => r.remote), [PEER, RELAY]);
    assert.equal(json.remotes[0]!.firstSeen, '2023-11-14T22:13:21.000Z');
  });
});
