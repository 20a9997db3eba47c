import { BIG, LITTLE, type ByteQueue, type Endian } from './bytes.js';
import { MAX_RECORD, type RawFrame, type RecordParser } from './frames.js';

/**
 * pcapng (draft-ietf-opsawg-pcapng): a sequence of blocks `type, total length, body, total length`.
 * A Section Header Block starts each section and fixes its byte order; Interface Description Blocks
 * declare the section's interfaces (each with its own link type and timestamp resolution); packets
 * come in Enhanced (EPB), Simple (SPB) and the obsolete Packet Blocks. Other blocks are skipped.
 */
const BLOCK = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE: 0x00000001,
  OBSOLETE_PACKET: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  ENHANCED_PACKET: 0x00000006,
} as const;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** True when the file starts with a Section Header Block (its type reads the same in both byte orders). */
export function isPcapngMagic(b: Uint8Array): boolean {
  return b.length >= 4 && LITTLE.u32(b, 0) === BLOCK.SECTION_HEADER;
}

interface Interface {
  linkType: number;
  snapLength: number;
  /** Timestamp unit: 10^-exp s (`base10`) or 2^-exp s. Default 10^-6 (microseconds). */
  base10: boolean;
  exp: number;
  offsetSeconds: bigint;
}

export class PcapngParser implements RecordParser {
  private endian: Endian = LITTLE;
  private interfaces: Interface[] = [];

  next(q: ByteQueue, problem: (offset: number, message: string) => void): RawFrame | null | 'skip' | 'dead' {
    if (q.available < 8) return null;
    const offset = q.offset;
    const head = q.peek(12);
    const type = this.endian.u32(head, 0);
    if (type === BLOCK.SECTION_HEADER) {
      if (q.available < 12) return null;
      // The section's byte order is known only from its byte-order magic, and the block length is
      // written in that order: read the magic before the length.
      if (LITTLE.u32(head, 8) === BYTE_ORDER_MAGIC) this.endian = LITTLE;
      else if (BIG.u32(head, 8) === BYTE_ORDER_MAGIC) this.endian = BIG;
      else {
        problem(offset, 'section header without a valid byte-order magic; the rest of the file is unreadable');
        return 'dead';
      }
    }
    const e = this.endian;
    const length = e.u32(head, 4);
    if (length < 12 || length % 4 !== 0 || length > MAX_RECORD) {
      problem(offset, `block of type 0x${type.toString(16)} has an invalid length ${length}; the rest of the file is unreadable`);
      return 'dead';
    }
    if (q.available < length) return null;
    const block = q.peek(length);
    q.skip(length);
    if (e.u32(block, length - 4) !== length) problem(offset, `block of type 0x${type.toString(16)}: trailing length differs from the leading one`);
    const body = block.subarray(8, length - 4);
    switch (type) {
      case BLOCK.SECTION_HEADER:
        // A new section: interface ids start again from 0.
        this.interfaces = [];
        return 'skip';
      case BLOCK.INTERFACE:
        this.addInterface(body, offset, problem);
        return 'skip';
      case BLOCK.ENHANCED_PACKET:
        return this.enhanced(body, offset, problem);
      case BLOCK.SIMPLE_PACKET:
        return this.simple(body, offset, problem);
      case BLOCK.OBSOLETE_PACKET:
        return this.obsolete(body, offset, problem);
      default:
        return 'skip';
    }
  }

  private addInterface(body: Uint8Array, offset: number, problem: (offset: number, message: string) => void): void {
    const e = this.endian;
    if (body.length < 8) {
      problem(offset, 'interface description block too short');
      this.interfaces.push({ linkType: -1, snapLength: 0, base10: true, exp: 6, offsetSeconds: 0n });
      return;
    }
    const iface: Interface = { linkType: e.u16(body, 0), snapLength: e.u32(body, 4), base10: true, exp: 6, offsetSeconds: 0n };
    for (let p = 8; p + 4 <= body.length; ) {
      const code = e.u16(body, p);
      const len = e.u16(body, p + 2);
      if (code === OPT_END) break;
      if (p + 4 + len > body.length) {
        problem(offset, `interface option ${code} runs past its block`);
        break;
      }
      if (code === OPT_IF_TSRESOL && len >= 1) {
        const v = body[p + 4] ?? 6;
        iface.base10 = (v & 0x80) === 0;
        iface.exp = v & 0x7f;
      } else if (code === OPT_IF_TSOFFSET && len >= 8) {
        iface.offsetSeconds = e.i64(body, p + 4);
      }
      p += 4 + Math.ceil(len / 4) * 4;
    }
    this.interfaces.push(iface);
  }

  private frame(interfaceId: number, body: Uint8Array, dataAt: number, captured: number, original: number, ts: [number, number] | null, offset: number, problem: (offset: number, message: string) => void): RawFrame {
    const iface = this.interfaces[interfaceId];
    if (!iface) problem(offset, `packet on interface ${interfaceId}, which no interface description block declared`);
    let len = captured;
    if (dataAt + len > body.length) {
      problem(offset, `packet claims ${captured} captured bytes but its block holds ${Math.max(0, body.length - dataAt)}`);
      len = Math.max(0, body.length - dataAt);
    }
    return {
      offset,
      interfaceId,
      linkType: iface?.linkType ?? -1,
      timestampUs: ts && iface ? timestampUs(ts[0], ts[1], iface) : null,
      originalLength: Math.max(original, len),
      data: body.subarray(dataAt, dataAt + len),
    };
  }

  private enhanced(body: Uint8Array, offset: number, problem: (offset: number, message: string) => void): RawFrame | 'skip' {
    const e = this.endian;
    if (body.length < 20) {
      problem(offset, 'enhanced packet block too short');
      return 'skip';
    }
    return this.frame(e.u32(body, 0), body, 20, e.u32(body, 12), e.u32(body, 16), [e.u32(body, 4), e.u32(body, 8)], offset, problem);
  }

  private obsolete(body: Uint8Array, offset: number, problem: (offset: number, message: string) => void): RawFrame | 'skip' {
    const e = this.endian;
    if (body.length < 20) {
      problem(offset, 'packet block too short');
      return 'skip';
    }
    return this.frame(e.u16(body, 0), body, 20, e.u32(body, 12), e.u32(body, 16), [e.u32(body, 4), e.u32(body, 8)], offset, problem);
  }

  private simple(body: Uint8Array, offset: number, problem: (offset: number, message: string) => void): RawFrame | 'skip' {
    if (body.length < 4) {
      problem(offset, 'simple packet block too short');
      return 'skip';
    }
    // An SPB has no captured-length field: it is the original length cut to the snap length of
    // interface 0 (the only interface SPBs can refer to) and to the block.
    const original = this.endian.u32(body, 0);
    const snap = this.interfaces[0]?.snapLength ?? 0;
    const captured = Math.min(original, snap > 0 ? snap : original, body.length - 4);
    return this.frame(0, body, 4, captured, original, null, offset, problem);
  }
}

/** Microseconds since the epoch from a 64-bit timestamp in the interface's unit plus its offset. */
function timestampUs(high: number, low: number, iface: Interface): number {
  const units = (BigInt(high) << 32n) | BigInt(low);
  const offsetUs = Number(iface.offsetSeconds) * 1e6;
  if (iface.base10) {
    if (iface.exp <= 6) return Number(units * 10n ** BigInt(6 - iface.exp)) + offsetUs;
    const d = 10n ** BigInt(iface.exp - 6);
    return Number(units / d) + Number(units % d) / Number(d) + offsetUs;
  }
  const scaled = units * 1_000_000n;
  const shift = BigInt(iface.exp);
  return Number(scaled >> shift) + Number(scaled & ((1n << shift) - 1n)) / 2 ** iface.exp + offsetUs;
}
