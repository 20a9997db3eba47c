import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classicPcap, ethernet, ipv4, ipv6, nullFrame, pcapng, sll, sll2 } from './build-capture.js';
import { readCapture } from './pcap.js';
import type { IpPacket } from './types.js';

const UDP = 17;
const udp4 = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: UDP, srcPort: 1111, dstPort: 2222, payload: new Uint8Array(10) });
const udp6 = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', protocol: UDP, srcPort: 3333, dstPort: 4444, payload: new Uint8Array(10) });

function only(bytes: Uint8Array): IpPacket {
  const r = readCapture(bytes);
  assert.deepEqual(r.problems, []);
  assert.equal(r.packets.length, 1);
  assert.ok(r.packets[0]!.ip, `no IP: ${r.packets[0]!.nonIp}`);
  return r.packets[0]!.ip;
}

function ips(bytes: Uint8Array): (IpPacket | null)[] {
  const r = readCapture(bytes);
  assert.deepEqual(r.problems, []);
  return r.packets.map((p) => p.ip);
}

describe('classic pcap variants', () => {
  for (const littleEndian of [true, false]) {
    for (const nano of [false, true]) {
      it(`${littleEndian ? 'little' : 'big'}-endian, ${nano ? 'nanosecond' : 'microsecond'} timestamps`, () => {
        const bytes = classicPcap([{ seconds: 1_700_000_000, fraction: nano ? 123_456_789 : 123_456, data: ethernet(udp4) }], { linkType: 1, littleEndian, nano });
        const r = readCapture(bytes);
        assert.deepEqual(r.problems, []);
        assert.equal(r.packets[0]!.timestampUs, 1_700_000_000_123_456 + (nano ? 0.789 : 0));
        assert.equal(r.packets[0]!.ip?.srcPort, 1111);
      });
    }
  }

  it("Kuznetzov's modified format (24-byte record headers)", () => {
    assert.equal(only(classicPcap([{ seconds: 1, fraction: 0, data: ethernet(udp6) }], { linkType: 1, modified: true })).dstPort, 4444);
  });

  it('a frame cut by the snap length keeps its original length and the ports it still has', () => {
    const full = ethernet(udp4);
    const r = readCapture(classicPcap([{ seconds: 1, fraction: 0, data: full.subarray(0, 14 + 24), originalLength: full.length }], { linkType: 1 }));
    assert.equal(r.packets[0]!.originalLength, full.length);
    assert.equal(r.packets[0]!.ip?.dstPort, 2222);
    assert.equal(r.packets[0]!.ip?.length, udp4.length);
  });
});

describe('link types', () => {
  const one = (linkType: number, frame: Uint8Array): IpPacket => only(classicPcap([{ seconds: 1, fraction: 0, data: frame }], { linkType }));

  it('Ethernet, with one 802.1Q tag and with a QinQ stack', () => {
    assert.equal(one(1, ethernet(udp4)).src, '10.0.0.1');
    assert.equal(one(1, ethernet(udp4, [{ tpid: 0x8100, vid: 5 }])).dstPort, 2222);
    assert.equal(one(1, ethernet(udp6, [{ tpid: 0x88a8, vid: 100 }, { tpid: 0x8100, vid: 5 }])).dstPort, 4444);
  });

  it('Ethernet frames that carry no IP are named', () => {
    const r = readCapture(classicPcap([
      { seconds: 1, fraction: 0, data: ethernet(new Uint8Array(28), [], 0x0806) },
      { seconds: 1, fraction: 0, data: ethernet(new Uint8Array(30), [], 0x88cc) },
      { seconds: 1, fraction: 0, data: ethernet(new Uint8Array(30), [], 0x0040) },
    ], { linkType: 1 }));
    assert.deepEqual(r.packets.map((p) => p.nonIp), ['arp', 'ethertype 0x88cc', '802.3 llc']);
  });

  it('Linux cooked v1 (113) and v2 (276)', () => {
    assert.equal(one(113, sll(udp4)).srcPort, 1111);
    assert.equal(one(276, sll2(udp6)).srcPort, 3333);
  });

  it('raw IP (101, 228, 229)', () => {
    assert.equal(one(101, udp4).dst, '10.0.0.2');
    assert.equal(one(101, udp6).dst, '2001:db8::2');
    assert.equal(one(228, udp4).protocol, UDP);
    assert.equal(one(229, udp6).protocol, UDP);
  });

  it('loopback: DLT_NULL in either byte order (AF_INET6 as on Linux, BSD and macOS), DLT_LOOP big-endian', () => {
    assert.equal(one(0, nullFrame(udp4, 2, true)).src, '10.0.0.1');
    assert.equal(one(0, nullFrame(udp4, 2, false)).src, '10.0.0.1');
    for (const af6 of [10, 24, 28, 30]) assert.equal(one(0, nullFrame(udp6, af6, true)).version, 6);
    assert.equal(one(108, nullFrame(udp6, 24, false)).version, 6);
  });

  it('an unsupported link type is one problem, its frames are non-IP', () => {
    const r = readCapture(classicPcap([1, 2, 3].map(() => ({ seconds: 1, fraction: 0, data: udp4 })), { linkType: 147 }));
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!.message, /link type 147 is not supported/);
    assert.deepEqual(r.packets.map((p) => p.nonIp), ['link type 147', 'link type 147', 'link type 147']);
  });
});

describe('IP decoding', () => {
  const raw = (...packets: Uint8Array[]): Uint8Array => classicPcap(packets.map((data) => ({ seconds: 1, fraction: 0, data })), { linkType: 101 });

  it('IPv4 with options: ports after the options', () => {
    const p = only(raw(ipv4({ src: '1.2.3.4', dst: '5.6.7.8', protocol: 6, srcPort: 443, dstPort: 50000, options: [0x94, 4, 0, 0, 1, 1, 1, 0] })));
    assert.deepEqual([p.srcPort, p.dstPort, p.protocol], [443, 50000, 6]);
  });

  it('IPv4 fragments: later fragments carry the first one\'s ports; a later fragment seen first has none', () => {
    const first = ipv4({ src: '1.1.1.1', dst: '2.2.2.2', protocol: UDP, srcPort: 7, dstPort: 9, id: 77, moreFragments: true, payload: new Uint8Array(16) });
    const later = ipv4({ src: '1.1.1.1', dst: '2.2.2.2', protocol: UDP, id: 77, fragmentOffset: 3, raw: new Uint8Array(16) });
    const orphan = ipv4({ src: '1.1.1.1', dst: '2.2.2.2', protocol: UDP, id: 78, fragmentOffset: 3, raw: new Uint8Array(16) });
    const [a, b, c] = ips(raw(first, later, orphan));
    assert.deepEqual([a?.fragment, a?.srcPort, a?.dstPort], ['first', 7, 9]);
    assert.deepEqual([b?.fragment, b?.srcPort, b?.dstPort], ['later', 7, 9]);
    assert.deepEqual([c?.fragment, c?.srcPort, c?.dstPort, c?.protocol], ['later', null, null, UDP]);
  });

  it('IPv6: hop-by-hop, routing, destination options and AH are skipped to reach UDP', () => {
    const p = only(raw(ipv6({ src: '::1', dst: '::2', protocol: UDP, srcPort: 5, dstPort: 6, extensions: [{ kind: 'hop' }, { kind: 'routing', length: 2 }, { kind: 'dest', length: 1 }, { kind: 'ah' }] })));
    assert.deepEqual([p.protocol, p.srcPort, p.dstPort], [UDP, 5, 6]);
  });

  it('IPv6 fragments, and ESP ends the walk without ports', () => {
    const first = ipv6({ src: '::1', dst: '::2', protocol: 6, srcPort: 80, dstPort: 81, extensions: [{ kind: 'fragment', offset: 0, more: true, id: 0xdeadbeef }] });
    const later = ipv6({ src: '::1', dst: '::2', protocol: 6, raw: new Uint8Array(24), extensions: [{ kind: 'dest' }, { kind: 'fragment', offset: 5, more: false, id: 0xdeadbeef }] });
    const esp = ipv6({ src: '::1', dst: '::2', protocol: 50, raw: new Uint8Array(24) });
    const [a, b, c] = ips(raw(first, later, esp));
    assert.deepEqual([a?.fragment, a?.protocol, a?.srcPort], ['first', 6, 80]);
    assert.deepEqual([b?.fragment, b?.protocol, b?.srcPort, b?.dstPort], ['later', 6, 80, 81]);
    assert.deepEqual([c?.protocol, c?.srcPort], [50, null]);
  });

  it('ICMP has no ports; addresses are canonical (RFC 5952)', () => {
    const p = only(raw(ipv6({ src: '2001:DB8:0:0:0:0:0:1', dst: 'fe80::a:0:0:0:1', protocol: 58, payload: Uint8Array.from([128, 0, 0, 0]) })));
    assert.deepEqual([p.src, p.dst, p.srcPort], ['2001:db8::1', 'fe80:0:0:a::1', null]);
  });

  it('broken headers are problems with the frame number, not exceptions', () => {
    const r = readCapture(raw(udp4, Uint8Array.from([0x45, 0, 0]), Uint8Array.from([0x60, 0, 0, 0]), Uint8Array.from([0x20, 1, 2])));
    assert.equal(r.packets.length, 4);
    assert.deepEqual(r.problems.map((p) => [p.frame, p.message]), [[2, 'truncated IPv4 header'], [3, 'truncated IPv6 header'], [4, 'IP version 2']]);
  });
});

describe('pcapng', () => {
  it('several interfaces with their own link types and timestamp resolutions, both byte orders, several sections', () => {
    for (const littleEndian of [true, false]) {
      const bytes = pcapng([
        {
          littleEndian,
          interfaces: [{ linkType: 1 }, { linkType: 276, tsresol: 9 }, { linkType: 101, tsresol: 0x80 | 10, tsoffset: 100n }],
          packets: [
            { kind: 'epb', interfaceId: 0, timestamp: 1_000_000n, data: ethernet(udp4) },
            { kind: 'epb', interfaceId: 1, timestamp: 2_000_000_500n, data: sll2(udp6) },
            { kind: 'epb', interfaceId: 2, timestamp: 3n * 1024n + 512n, data: udp4 },
            { kind: 'other', type: 5, body: new Uint8Array(8) },
          ],
        },
        // A new section restarts interface numbering: interface 0 is now raw IPv6.
        { littleEndian: !littleEndian, interfaces: [{ linkType: 229 }], packets: [{ kind: 'epb', interfaceId: 0, timestamp: 7n, data: udp6 }] },
      ]);
      const r = readCapture(bytes);
      assert.deepEqual(r.problems, []);
      assert.deepEqual(r.packets.map((p) => [p.interfaceId, p.linkType, p.timestampUs, p.ip?.srcPort]), [
        [0, 1, 1_000_000, 1111],
        [1, 276, 2_000_000.5, 3333],
        [2, 101, 103_500_000, 1111],
        [0, 229, 7, 3333],
      ]);
    }
  });

  it('simple packet blocks (snap length of interface 0, no timestamp) and obsolete packet blocks', () => {
    const frame = ethernet(udp4);
    const r = readCapture(pcapng([{ interfaces: [{ linkType: 1, snapLength: 40 }], packets: [
      { kind: 'spb', data: frame.subarray(0, 40), originalLength: frame.length },
      { kind: 'opb', interfaceId: 0, timestamp: 5n, data: frame },
    ] }]));
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.packets.map((p) => [p.timestampUs, p.capturedLength, p.originalLength, p.ip?.dstPort]), [
      [null, 40, frame.length, 2222],
      [5, frame.length, frame.length, 2222],
    ]);
  });

  it('a packet on an undeclared interface, a mismatched trailing length and a bad block length are problems', () => {
    const good = pcapng([{ interfaces: [{ linkType: 101 }], packets: [{ kind: 'epb', interfaceId: 3, timestamp: 1n, data: udp4 }] }]);
    const r1 = readCapture(good);
    assert.match(r1.problems[0]!.message, /interface 3, which no interface description block declared/);
    assert.equal(r1.packets[0]!.nonIp, 'unknown interface');

    const twoPackets = pcapng([{ interfaces: [{ linkType: 101 }], packets: [{ kind: 'epb', interfaceId: 0, timestamp: 1n, data: udp4 }, { kind: 'epb', interfaceId: 0, timestamp: 2n, data: udp4 }] }]);
    const copy = Uint8Array.from(twoPackets);
    // Corrupt the trailing length of the first EPB: it is still read (the leading length wins).
    const shbAndIdb = 28 + 20;
    const epbLength = new DataView(copy.buffer).getUint32(shbAndIdb + 4, true);
    copy[shbAndIdb + epbLength - 4] = 0xff - (copy[shbAndIdb + epbLength - 4] ?? 0);
    const r2 = readCapture(copy);
    assert.equal(r2.packets.length, 2);
    assert.match(r2.problems[0]!.message, /trailing length differs/);

    new DataView(copy.buffer).setUint32(shbAndIdb + 4, 13, true);
    const r3 = readCapture(copy);
    assert.equal(r3.packets.length, 0);
    assert.match(r3.problems[0]!.message, /invalid length 13/);
  });
});
