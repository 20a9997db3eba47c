import { formatIPv4, formatIPv6 } from './addresses.js';
import type { IpPacket } from './types.js';

/** Transports whose header starts with 16-bit source and destination ports: TCP, UDP, DCCP, SCTP, UDP-Lite. */
const PORTED = new Set([6, 17, 33, 132, 136]);

/**
 * IPv6 extension headers that can be walked with the generic (next header, length) layout
 * (RFC 8200 §4; AH's length is in 4-octet units, RFC 4302 §2.2). The fragment header is fixed-size.
 */
const IPV6_EXTENSIONS = new Set([0, 43, 60, 135, 139, 140, 253, 254]);
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51;

export type IpDecode = { ok: true; ip: IpPacket } | { ok: false; problem: string };

/** How many first-fragment port pairs are remembered to attribute later fragments (oldest dropped first). */
const FRAGMENT_MEMORY = 4096;

/**
 * Decodes IPv4 (RFC 791, options skipped by IHL) and IPv6 (RFC 8200, extension headers skipped).
 * Stateful only for fragments: the ports seen on a first fragment are remembered by (src, dst,
 * protocol, identification) so the later fragments of the same datagram count on the same ports.
 */
export class IpDecoder {
  private readonly fragments = new Map<string, [number | null, number | null]>();

  decode(b: Uint8Array, at: number, end: number): IpDecode {
    if (end - at < 1) return { ok: false, problem: 'no IP header' };
    const version = (b[at] ?? 0) >> 4;
    if (version === 4) return this.decodeV4(b, at, end);
    if (version === 6) return this.decodeV6(b, at, end);
    return { ok: false, problem: `IP version ${version}` };
  }

  private decodeV4(b: Uint8Array, at: number, end: number): IpDecode {
    if (end - at < 20) return { ok: false, problem: 'truncated IPv4 header' };
    const ihl = ((b[at] ?? 0) & 0x0f) * 4;
    if (ihl < 20) return { ok: false, problem: `IPv4 header length ${ihl} < 20` };
    const totalLength = u16(b, at + 2);
    const id = u16(b, at + 4);
    const flagsFrag = u16(b, at + 6);
    const moreFragments = (flagsFrag & 0x2000) !== 0;
    const fragOffset = flagsFrag & 0x1fff;
    const protocol = b[at + 9] ?? 0;
    const src = formatIPv4(b, at + 12);
    const dst = formatIPv4(b, at + 16);
    // A header that claims less than itself is corrupt, but the addresses are still readable: count
    // the packet by what was captured rather than losing it.
    const length = totalLength >= ihl ? totalLength : end - at;
    const fragment = fragOffset > 0 ? 'later' : moreFragments ? 'first' : 'none';
    const key = `${src}|${dst}|${protocol}|${id}`;
    const ports = fragOffset > 0 ? this.fragments.get(key) : PORTED.has(protocol) ? readPorts(b, at + ihl, end) : undefined;
    if (fragment === 'first' && ports) this.remember(key, ports);
    return {
      ok: true,
      ip: { version: 4, src, dst, protocol, srcPort: ports?.[0] ?? null, dstPort: ports?.[1] ?? null, length, fragment },
    };
  }

  private decodeV6(b: Uint8Array, at: number, end: number): IpDecode {
    if (end - at < 40) return { ok: false, problem: 'truncated IPv6 header' };
    const payloadLength = u16(b, at + 4);
    const src = formatIPv6(b, at + 8);
    const dst = formatIPv6(b, at + 24);
    // Jumbograms (RFC 2675) say 0 here; use what was captured.
    const length = payloadLength > 0 ? 40 + payloadLength : end - at;
    let next = b[at + 6] ?? 0;
    let p = at + 40;
    let fragment: IpPacket['fragment'] = 'none';
    let fragKey: string | null = null;
    // ESP (50) hides everything after it and No Next Header (59) ends the chain: both end the walk
    // as the transport protocol. Bounded walk: each step consumes ≥ 8 bytes, so a crafted chain cannot loop.
    while (p < end) {
      if (IPV6_EXTENSIONS.has(next) || next === IPV6_AH) {
        if (end - p < 2) break;
        const len = next === IPV6_AH ? ((b[p + 1] ?? 0) + 2) * 4 : ((b[p + 1] ?? 0) + 1) * 8;
        next = b[p] ?? 0;
        p += len;
      } else if (next === IPV6_FRAGMENT) {
        if (end - p < 8) break;
        const offsetFlags = u16(b, p + 2);
        const id = ((b[p + 4] ?? 0) * 2 ** 24) + u16(b, p + 5) * 256 + (b[p + 7] ?? 0);
        next = b[p] ?? 0;
        p += 8;
        fragment = (offsetFlags & 0xfff8) !== 0 ? 'later' : (offsetFlags & 1) !== 0 ? 'first' : 'none';
        fragKey = `${src}|${dst}|${next}|${id}`;
        if (fragment === 'later') break;
      } else {
        break;
      }
    }
    const protocol = next;
    let ports: [number | null, number | null] | undefined;
    if (fragment === 'later') ports = fragKey ? this.fragments.get(fragKey) : undefined;
    else if (PORTED.has(protocol)) ports = readPorts(b, p, end);
    if (fragment === 'first' && fragKey && ports) this.remember(fragKey, ports);
    return {
      ok: true,
      ip: { version: 6, src, dst, protocol, srcPort: ports?.[0] ?? null, dstPort: ports?.[1] ?? null, length, fragment },
    };
  }

  private remember(key: string, ports: [number | null, number | null]): void {
    this.fragments.delete(key);
    this.fragments.set(key, ports);
    if (this.fragments.size > FRAGMENT_MEMORY) {
      const oldest = this.fragments.keys().next();
      if (!oldest.done) this.fragments.delete(oldest.value);
    }
  }
}

function u16(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

/** Source and destination port, or undefined when the capture cut the transport header. */
function readPorts(b: Uint8Array, at: number, end: number): [number, number] | undefined {
  if (at < 0 || end - at < 4) return undefined;
  return [u16(b, at), u16(b, at + 2)];
}
