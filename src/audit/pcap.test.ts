import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { CaptureReader, MAX_PROBLEMS, readCapture } from './pcap.js';
import type { Packet } from './types.js';

/** Real captures made by testdata/make-fixtures.sh, each with tshark's reading of it (`<file>.tsv`). */
const TESTDATA = new URL('../../../src/audit/testdata/', import.meta.url);
const FIXTURES = ['multi.pcapng', 'ether.pcap', 'ether-ns.pcap', 'cooked.pcap'] as const;

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, TESTDATA)));
}

interface Expected {
  frame: number;
  interfaceId: number;
  timestampUs: number;
  src: string | null;
  dst: string | null;
  protocol: number | null;
  length: number | null;
  laterFragment: boolean;
  srcPort: number | null;
  dstPort: number | null;
}

/** tshark's fields (make-fixtures.sh) turned into what the reader must produce for each frame. */
function expected(name: string): Expected[] {
  const rows = readFileSync(new URL(`${name}.tsv`, TESTDATA), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  const firstFragmentPorts = new Map<string, [number, number, number]>();
  return rows.map((c) => {
    const f = (i: number): string => c[i] ?? '';
    const [sec, frac = '0'] = f(2).split('.');
    const timestampUs = Number(sec) * 1e6 + Number(frac.padEnd(9, '0')) / 1000;
    const v4 = f(4) !== '';
    const src = v4 ? f(4) : f(9) || null;
    const dst = v4 ? f(5) : f(10) || null;
    const icmp = f(17) !== '' || f(18) !== '';
    const laterFragment = Number(v4 ? f(8) || 0 : f(12) || 0) > 0;
    const udp = f(13) !== '';
    const tcp = f(15) !== '';
    let protocol: number | null = v4 ? Number(f(6)) : icmp ? 58 : udp ? 17 : tcp ? 6 : null;
    let srcPort = icmp ? null : udp ? Number(f(13)) : tcp ? Number(f(15)) : null;
    let dstPort = icmp ? null : udp ? Number(f(14)) : tcp ? Number(f(16)) : null;
    const key = `${f(1)}|${src}|${dst}`;
    if (!laterFragment && srcPort !== null && dstPort !== null && protocol !== null) firstFragmentPorts.set(key, [protocol, srcPort, dstPort]);
    if (laterFragment) {
      // Reassembly is off in tshark; the reader carries the first fragment's ports over.
      const first = firstFragmentPorts.get(key);
      assert.ok(first, `fixture ${name} frame ${f(0)}: a later fragment without its first`);
      [protocol, srcPort, dstPort] = first;
    }
    const length = v4 ? Number(f(7)) : f(11) !== '' ? Number(f(11)) + 40 : null;
    return { frame: Number(f(0)), interfaceId: Number(f(1) || 0), timestampUs, src, dst, protocol, length, laterFragment, srcPort, dstPort };
  });
}

function assertMatches(name: string, packets: Packet[]): void {
  const want = expected(name);
  assert.equal(packets.length, want.length, `${name}: frame count`);
  for (const [i, w] of want.entries()) {
    const p = packets[i]!;
    const at = `${name} frame ${w.frame}`;
    assert.equal(p.index, w.frame, at);
    assert.equal(p.interfaceId, w.interfaceId, at);
    assert.ok(p.timestampUs !== null && Math.abs(p.timestampUs - w.timestampUs) < 0.01, `${at}: time ${p.timestampUs} vs ${w.timestampUs}`);
    if (w.src === null) {
      assert.equal(p.ip, null, `${at}: no IP expected`);
      continue;
    }
    assert.ok(p.ip, `${at}: IP expected (${p.nonIp})`);
    assert.deepEqual(
      { src: p.ip.src, dst: p.ip.dst, protocol: p.ip.protocol, srcPort: p.ip.srcPort, dstPort: p.ip.dstPort, length: p.ip.length, later: p.ip.fragment === 'later' },
      { src: w.src, dst: w.dst, protocol: w.protocol, srcPort: w.srcPort, dstPort: w.dstPort, length: w.length, later: w.laterFragment },
      at,
    );
  }
}

describe('CaptureReader on real captures (checked against tshark)', () => {
  for (const name of FIXTURES) {
    it(`reads ${name} frame by frame as tshark does`, () => {
      const r = readCapture(fixture(name));
      assert.deepEqual(r.problems, []);
      assert.equal(r.format, name.endsWith('.pcapng') ? 'pcapng' : 'pcap');
      assertMatches(name, r.packets);
    });
  }

  it('sees ARP as non-IP and the fixture has fragments, TCP, ICMP and ICMPv6 with extension headers', () => {
    const { packets } = readCapture(fixture('ether.pcap'));
    assert.ok(packets.some((p) => p.nonIp === 'arp'));
    assert.ok(packets.some((p) => p.ip?.version === 4 && p.ip.fragment === 'later' && p.ip.srcPort === 41000));
    assert.ok(packets.some((p) => p.ip?.version === 6 && p.ip.fragment === 'later' && p.ip.srcPort === 41006));
    assert.ok(packets.some((p) => p.ip?.protocol === 6));
    assert.ok(packets.some((p) => p.ip?.protocol === 1));
    // MLD reports (type 143) sit behind a hop-by-hop options header.
    assert.ok(packets.some((p) => p.ip?.protocol === 58 && p.ip.dst === 'ff02::16'));
  });

  it('gives the same packets whatever the chunk sizes', () => {
    const bytes = fixture('multi.pcapng');
    const whole = readCapture(bytes).packets;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const reader = new CaptureReader();
        const got: Packet[] = [];
        let at = 0;
        for (let i = 0; at < bytes.length; i++) {
          const n = sizes[i % sizes.length]!;
          got.push(...reader.push(bytes.subarray(at, at + n)));
          at += n;
        }
        reader.end();
        assert.deepEqual(reader.problems, []);
        assert.deepEqual(got, whole);
      }),
      { numRuns: 100, seed: 4 },
    );
  });
});

describe('CaptureReader never throws on damaged input', () => {
  const check = (bytes: Uint8Array): ReturnType<typeof readCapture> => {
    const r = readCapture(bytes);
    assert.ok(r.problems.length <= MAX_PROBLEMS);
    for (const p of r.packets) assert.ok(p.capturedLength <= bytes.length);
    return r;
  };

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => void check(b)), { numRuns: 1000, seed: 1 });
  });

  it('random bytes behind a valid magic number (pcap and pcapng, both byte orders)', () => {
    const heads = [
      [0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x4d, 0x3c, 0xb2, 0xa1], [0x34, 0xcd, 0xb2, 0xa1],
      [0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a], [0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0x1c, 0x1a, 0x2b, 0x3c, 0x4d],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...heads), fc.uint8Array({ maxLength: 3000 }), (head, tail) => void check(Uint8Array.from([...head, ...tail]))),
      { numRuns: 1000, seed: 2 },
    );
  });

  for (const name of FIXTURES) {
    it(`${name} truncated anywhere: the frames before the cut are read, then one problem`, () => {
      const bytes = fixture(name);
      const whole = readCapture(bytes).packets;
      fc.assert(
        fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
          const r = check(bytes.subarray(0, cut));
          assert.deepEqual(r.packets, whole.slice(0, r.packets.length));
          // A cut on a record boundary leaves a whole, shorter capture; anywhere else one problem says so.
          assert.ok(r.problems.length <= 1);
          if (r.problems[0]) assert.match(r.problems[0].message, /truncated|empty file|not a pcap/);
        }),
        { numRuns: 200, seed: 3 },
      );
    });

    it(`${name} with random bytes overwritten: no exception, problems bounded`, () => {
      const bytes = fixture(name);
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 20 }), (edits) => {
          const copy = Uint8Array.from(bytes);
          for (const [at, v] of edits) copy[at % copy.length] = v;
          check(copy);
        }),
        { numRuns: 300, seed: 5 },
      );
    });
  }

  it('reports an unknown format, an empty file and an implausible record length', () => {
    assert.match(readCapture(Uint8Array.from([1, 2, 3, 4, 5])).problems[0]!.message, /not a pcap or pcapng/);
    assert.match(readCapture(new Uint8Array(0)).problems[0]!.message, /empty file/);
    const header = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0];
    const record = [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0];
    const r = readCapture(Uint8Array.from([...header, ...record]));
    assert.equal(r.packets.length, 0);
    assert.match(r.problems[0]!.message, /claims 2147483647 captured bytes/);
  });

  it('keeps at most MAX_PROBLEMS problems and counts the rest', () => {
    // One pcap record per frame with a broken IPv4 header (IHL 1), on raw-IP link type 101.
    const header = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 101, 0, 0, 0];
    const rec = [0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 20, 0, 0, 0, 0x41, ...new Array<number>(19).fill(0)];
    const bytes = Uint8Array.from([...header, ...Array.from({ length: 300 }, () => rec).flat()]);
    const r = readCapture(bytes);
    assert.equal(r.packets.length, 300);
    assert.equal(r.problems.length, MAX_PROBLEMS);
    assert.equal(r.problemsOmitted, 200);
  });
});
