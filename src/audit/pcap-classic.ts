import { BIG, LITTLE, type ByteQueue, type Endian } from './bytes.js';
import { MAX_RECORD, type RawFrame, type RecordParser } from './frames.js';

/**
 * Classic libpcap files (draft-ietf-opsawg-pcap): a 24-byte file header, then records of a 16-byte
 * header (seconds, fraction, captured length, original length) and the captured bytes. The magic
 * number gives the byte order and the fraction's unit (µs or ns); Kuznetzov's "modified" format
 * adds 8 bytes (ifindex, protocol, packet type) to each record header.
 */
const MAGIC = {
  MICRO: 0xa1b2c3d4,
  NANO: 0xa1b23c4d,
  MODIFIED: 0xa1b2cd34,
} as const;

const MAGICS = new Set<number>(Object.values(MAGIC));

export const PCAP_HEADER_LENGTH = 24;

/** Recognises the first four bytes of a classic pcap file in either byte order. */
export function isClassicPcapMagic(b: Uint8Array): boolean {
  return b.length >= 4 && (MAGICS.has(LITTLE.u32(b, 0)) || MAGICS.has(BIG.u32(b, 0)));
}

export class ClassicPcapParser implements RecordParser {
  private endian: Endian = LITTLE;
  private nano = false;
  private recordHeader = 16;
  private linkType = -1;

  next(q: ByteQueue, problem: (offset: number, message: string) => void): RawFrame | null | 'skip' | 'dead' {
    if (this.linkType < 0) return this.readFileHeader(q);
    if (q.available < this.recordHeader) return null;
    const offset = q.offset;
    const h = q.peek(this.recordHeader);
    const e = this.endian;
    const seconds = e.u32(h, 0);
    const fraction = e.u32(h, 4);
    const captured = e.u32(h, 8);
    const original = e.u32(h, 12);
    if (captured > MAX_RECORD) {
      // The record boundary is lost: classic pcap has no sync marker to search for.
      problem(offset, `record claims ${captured} captured bytes; the rest of the file is unreadable`);
      return 'dead';
    }
    if (q.available < this.recordHeader + captured) return null;
    const data = q.peek(this.recordHeader + captured).subarray(this.recordHeader);
    q.skip(this.recordHeader + captured);
    const fractionUs = this.nano ? fraction / 1000 : fraction;
    if (fraction >= (this.nano ? 1e9 : 1e6)) problem(offset, `timestamp fraction ${fraction} out of range`);
    return { offset, interfaceId: 0, linkType: this.linkType, timestampUs: seconds * 1e6 + fractionUs, originalLength: Math.max(original, captured), data };
  }

  private readFileHeader(q: ByteQueue): 'skip' | null {
    if (q.available < PCAP_HEADER_LENGTH) return null;
    const h = q.peek(PCAP_HEADER_LENGTH);
    this.endian = MAGICS.has(LITTLE.u32(h, 0)) ? LITTLE : BIG;
    const magic = this.endian.u32(h, 0);
    this.nano = magic === MAGIC.NANO;
    this.recordHeader = magic === MAGIC.MODIFIED ? 24 : 16;
    // The link-type field's upper bits carry FCS information; the type is the low 16 bits.
    this.linkType = this.endian.u32(h, 20) & 0xffff;
    q.skip(PCAP_HEADER_LENGTH);
    return 'skip';
  }
}
