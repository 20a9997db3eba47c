import { canonicalAddress } from './addresses.js';

/**
 * Builds captures byte by byte: IP packets, link-layer frames and pcap/pcapng files in either byte
 * order. The reader's tests use it for what real tools rarely write (big-endian files, VLAN stacks,
 * base-2 timestamp resolutions, obsolete blocks); benchmarks can use it for large synthetic files.
 */

function addressBytes(text: string): number[] {
  const c = canonicalAddress(text);
  if (c === null) throw new Error(`not an address: ${text}`);
  if (!c.includes(':')) return c.split('.').map(Number);
  // Expand the canonical IPv6 text (possibly with an embedded IPv4 tail) into 16 bytes.
  let body = c;
  let tail: number[] = [];
  const last = body.lastIndexOf(':');
  if (body.slice(last + 1).includes('.')) {
    tail = body.slice(last + 1).split('.').map(Number);
    body = `${body.slice(0, last + 1)}0:0`;
  }
  const [h, r] = body.split('::') as [string, string | undefined];
  const head = h ? h.split(':').map((g) => parseInt(g, 16)) : [];
  const rest = r !== undefined && r !== '' ? r.split(':').map((g) => parseInt(g, 16)) : [];
  const groups = r === undefined ? head : [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

function be16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

export interface TransportSpec {
  protocol: number;
  srcPort?: number;
  dstPort?: number;
  payload?: Uint8Array;
}

/** The transport bytes: a port pair (plus a length/checksum or padding) for ported protocols, else the payload. */
function transport(t: TransportSpec): number[] {
  const payload = [...(t.payload ?? new Uint8Array(0))];
  if (t.srcPort === undefined) return payload;
  if (t.protocol === 6) return [...be16(t.srcPort), ...be16(t.dstPort ?? 0), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0, ...payload];
  return [...be16(t.srcPort), ...be16(t.dstPort ?? 0), ...be16(8 + payload.length), 0, 0, ...payload];
}

export interface Ipv4Spec extends TransportSpec {
  src: string;
  dst: string;
  id?: number;
  /** Fragment offset in 8-byte units. */
  fragmentOffset?: number;
  moreFragments?: boolean;
  /** IP options (padded to 4 bytes). */
  options?: number[];
  /** Raw bytes after the header instead of a transport built from ports (for later fragments). */
  raw?: Uint8Array;
}

export function ipv4(spec: Ipv4Spec): Uint8Array {
  const options = [...(spec.options ?? [])];
  while (options.length % 4) options.push(0);
  const body = spec.raw ? [...spec.raw] : transport(spec);
  const ihl = 5 + options.length / 4;
  const total = ihl * 4 + body.length;
  const flags = (spec.moreFragments ? 0x2000 : 0) | (spec.fragmentOffset ?? 0);
  return Uint8Array.from([0x40 | ihl, 0, ...be16(total), ...be16(spec.id ?? 1), ...be16(flags), 64, spec.protocol, 0, 0, ...addressBytes(spec.src), ...addressBytes(spec.dst), ...options, ...body]);
}

export type Ipv6Extension =
  | { kind: 'hop' | 'dest' | 'routing'; length?: number }
  | { kind: 'ah' }
  | { kind: 'fragment'; offset: number; more: boolean; id: number };

export interface Ipv6Spec extends TransportSpec {
  src: string;
  dst: string;
  extensions?: Ipv6Extension[];
  raw?: Uint8Array;
}

const EXT_NUMBER = { hop: 0, routing: 43, fragment: 44, dest: 60, ah: 51 } as const;

export function ipv6(spec: Ipv6Spec): Uint8Array {
  const exts = spec.extensions ?? [];
  let payload = spec.raw ? [...spec.raw] : transport(spec);
  // Built from the inside out: each header names the one after it.
  let next = spec.protocol;
  for (let i = exts.length - 1; i >= 0; i--) {
    const e = exts[i]!;
    let h: number[];
    if (e.kind === 'fragment') {
      h = [next, 0, ...be16((e.offset << 3) | (e.more ? 1 : 0)), (e.id >>> 24) & 0xff, (e.id >>> 16) & 0xff, (e.id >>> 8) & 0xff, e.id & 0xff];
    } else if (e.kind === 'ah') {
      // RFC 4302: length in 4-octet units minus 2; 12 fixed bytes + 12 bytes of ICV = 24 bytes → 4.
      h = [next, 4, 0, 0, ...new Array<number>(20).fill(0)];
    } else {
      const units = e.length ?? 0;
      h = [next, units, ...new Array<number>(6 + units * 8).fill(0)];
    }
    next = EXT_NUMBER[e.kind];
    payload = [...h, ...payload];
  }
  return Uint8Array.from([0x60, 0, 0, 0, ...be16(payload.length), next, 64, ...addressBytes(spec.src), ...addressBytes(spec.dst), ...payload]);
}

const MAC_A = [2, 0, 0, 0, 0, 1];
const MAC_B = [2, 0, 0, 0, 0, 2];

function ethertypeOf(ip: Uint8Array): number {
  return (ip[0] ?? 0) >> 4 === 6 ? 0x86dd : 0x0800;
}

/** Ethernet II, with 802.1Q/802.1ad tags (outermost first) when given. */
export function ethernet(ip: Uint8Array, tags: { tpid: number; vid: number }[] = [], ethertype = ethertypeOf(ip)): Uint8Array {
  const tagBytes = tags.flatMap((t) => [...be16(t.tpid), ...be16(t.vid)]);
  return Uint8Array.from([...MAC_A, ...MAC_B, ...tagBytes, ...be16(ethertype), ...ip]);
}

/** Linux cooked v1: packet type, ARPHRD_ETHER, address length, 8-byte address, protocol. */
export function sll(ip: Uint8Array, ethertype = ethertypeOf(ip)): Uint8Array {
  return Uint8Array.from([0, 4, 0, 1, 0, 6, ...MAC_A, 0, 0, ...be16(ethertype), ...ip]);
}

/** Linux cooked v2: protocol, reserved, ifindex, ARPHRD_ETHER, packet type, address length, address. */
export function sll2(ip: Uint8Array, ethertype = ethertypeOf(ip)): Uint8Array {
  return Uint8Array.from([...be16(ethertype), 0, 0, 0, 0, 0, 3, 0, 1, 4, 6, ...MAC_A, 0, 0, ...ip]);
}

/** DLT_NULL (family in the writer's byte order) or DLT_LOOP (always big-endian). */
export function nullFrame(ip: Uint8Array, family: number, littleEndian: boolean): Uint8Array {
  const f = littleEndian ? [family & 0xff, (family >> 8) & 0xff, 0, 0] : [0, 0, (family >> 8) & 0xff, family & 0xff];
  return Uint8Array.from([...f, ...ip]);
}

class Writer {
  private readonly parts: number[] = [];
  constructor(private readonly little: boolean) {}
  u8(n: number): this {
    this.parts.push(n & 0xff);
    return this;
  }
  u16(n: number): this {
    const b = [n & 0xff, (n >> 8) & 0xff];
    this.parts.push(...(this.little ? b : b.reverse()));
    return this;
  }
  u32(n: number): this {
    const b = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
    this.parts.push(...(this.little ? b : b.reverse()));
    return this;
  }
  u64(n: bigint): this {
    const v = BigInt.asUintN(64, n);
    const hi = Number(v >> 32n);
    const lo = Number(v & 0xffffffffn);
    return this.little ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  bytes(b: Iterable<number>): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  pad4(): this {
    while (this.parts.length % 4) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export interface ClassicFrame {
  /** Seconds and fraction (µs, or ns for `nano`). */
  seconds: number;
  fraction: number;
  data: Uint8Array;
  /** Original length when larger than the captured data. */
  originalLength?: number;
}

export function classicPcap(frames: ClassicFrame[], opts: { linkType: number; littleEndian?: boolean; nano?: boolean; modified?: boolean; snapLength?: number }): Uint8Array {
  const w = new Writer(opts.littleEndian ?? true);
  w.u32(opts.modified ? 0xa1b2cd34 : opts.nano ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(opts.snapLength ?? 262144).u32(opts.linkType);
  for (const f of frames) {
    w.u32(f.seconds).u32(f.fraction).u32(f.data.length).u32(f.originalLength ?? f.data.length);
    if (opts.modified) w.u32(1).u16(0x0800).u8(0).u8(0);
    w.bytes(f.data);
  }
  return w.done();
}

export interface NgInterface {
  linkType: number;
  snapLength?: number;
  /** if_tsresol byte (default: none, meaning µs). */
  tsresol?: number;
  /** if_tsoffset seconds. */
  tsoffset?: bigint;
}

export type NgPacket =
  | { kind: 'epb' | 'opb'; interfaceId: number; timestamp: bigint; data: Uint8Array; originalLength?: number }
  | { kind: 'spb'; data: Uint8Array; originalLength?: number }
  | { kind: 'other'; type: number; body: Uint8Array };

export interface NgSection {
  littleEndian?: boolean;
  interfaces: NgInterface[];
  packets: NgPacket[];
}

function block(little: boolean, type: number, body: (w: Writer) => void): number[] {
  const inner = new Writer(little);
  body(inner);
  inner.pad4();
  const bytes = inner.done();
  const total = bytes.length + 12;
  return [...new Writer(little).u32(type).u32(total).bytes(bytes).u32(total).done()];
}

export function pcapng(sections: NgSection[]): Uint8Array {
  const out: number[] = [];
  for (const s of sections) {
    const le = s.littleEndian ?? true;
    out.push(...block(le, 0x0a0d0d0a, (w) => w.u32(0x1a2b3c4d).u16(1).u16(0).u64(-1n)));
    for (const i of s.interfaces) {
      out.push(...block(le, 1, (w) => {
        w.u16(i.linkType).u16(0).u32(i.snapLength ?? 0);
        if (i.tsresol !== undefined) w.u16(9).u16(1).u8(i.tsresol).pad4();
        if (i.tsoffset !== undefined) w.u16(14).u16(8).u64(i.tsoffset);
        if (i.tsresol !== undefined || i.tsoffset !== undefined) w.u16(0).u16(0);
      }));
    }
    for (const p of s.packets) {
      if (p.kind === 'epb') {
        out.push(...block(le, 6, (w) => w.u32(p.interfaceId).u32(Number(p.timestamp >> 32n)).u32(Number(p.timestamp & 0xffffffffn)).u32(p.data.length).u32(p.originalLength ?? p.data.length).bytes(p.data)));
      } else if (p.kind === 'opb') {
        out.push(...block(le, 2, (w) => w.u16(p.interfaceId).u16(0).u32(Number(p.timestamp >> 32n)).u32(Number(p.timestamp & 0xffffffffn)).u32(p.data.length).u32(p.originalLength ?? p.data.length).bytes(p.data)));
      } else if (p.kind === 'spb') {
        out.push(...block(le, 3, (w) => w.u32(p.originalLength ?? p.data.length).bytes(p.data)));
      } else if (p.kind === 'other') {
        out.push(...block(le, p.type, (w) => w.bytes(p.body)));
      }
    }
  }
  return Uint8Array.from(out);
}
