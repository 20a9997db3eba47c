import { ByteQueue } from './bytes.js';
import type { RawFrame, RecordParser } from './frames.js';
import { IpDecoder } from './ip.js';
import { linkTypeSupported, locateIp } from './link.js';
import { ClassicPcapParser, isClassicPcapMagic } from './pcap-classic.js';
import { isPcapngMagic, PcapngParser } from './pcapng.js';
import type { CaptureFormat, CaptureProblem, Packet } from './types.js';

/** Problems kept in full; beyond this only their number (a garbage file would otherwise report one per frame). */
export const MAX_PROBLEMS = 100;

/**
 * Reads a classic pcap or pcapng capture pushed in chunks of any size and decodes each frame down to
 * its IP addresses and transport ports. Never throws on the input: unreadable parts become
 * `problems`, and everything readable before (and, in pcapng, after) them is still returned.
 *
 *   const reader = new CaptureReader();
 *   for await (const chunk of stream) for (const p of reader.push(chunk)) use(p);
 *   reader.end();  // reports a truncated last record
 */
export class CaptureReader {
  readonly problems: CaptureProblem[] = [];
  /** Problems beyond MAX_PROBLEMS, counted but not kept. */
  problemsOmitted = 0;
  format: CaptureFormat | null = null;
  /** Frames read so far. */
  frames = 0;
  private readonly queue = new ByteQueue();
  private parser: RecordParser | null = null;
  private dead = false;
  private readonly ip = new IpDecoder();
  private readonly warnedLinkTypes = new Set<string>();

  push(chunk: Uint8Array): Packet[] {
    if (this.dead) {
      // Nothing more can be read; drop the bytes instead of accumulating them.
      return [];
    }
    this.queue.push(chunk);
    const out: Packet[] = [];
    if (!this.parser && !this.detect()) return out;
    for (;;) {
      const r = this.parser!.next(this.queue, (offset, message) => this.problem(offset, message));
      if (r === null) break;
      if (r === 'dead') {
        this.dead = true;
        break;
      }
      if (r === 'skip') continue;
      out.push(this.decode(r));
    }
    return out;
  }

  /** Call once after the last chunk: leftover bytes are a truncated record. */
  end(): void {
    if (this.dead) return;
    if (!this.parser) {
      this.problem(0, this.queue.available === 0 ? 'empty file' : 'not a pcap or pcapng capture (unknown magic number)');
      return;
    }
    if (this.queue.available > 0) this.problem(this.queue.offset, `truncated: ${this.queue.available} bytes at the end do not form a whole record`);
  }

  /** True when the data is recognisably a capture (the format was detected). */
  get recognised(): boolean {
    return this.format !== null;
  }

  private detect(): boolean {
    if (this.queue.available < 4) return false;
    const magic = this.queue.peek(4);
    if (isPcapngMagic(magic)) {
      this.format = 'pcapng';
      this.parser = new PcapngParser();
    } else if (isClassicPcapMagic(magic)) {
      this.format = 'pcap';
      this.parser = new ClassicPcapParser();
    } else {
      this.problem(0, 'not a pcap or pcapng capture (unknown magic number)');
      this.dead = true;
      return false;
    }
    return true;
  }

  private decode(f: RawFrame): Packet {
    const index = ++this.frames;
    const base = { index, interfaceId: f.interfaceId, linkType: f.linkType, timestampUs: f.timestampUs, capturedLength: f.data.length, originalLength: f.originalLength };
    if (f.linkType < 0) return { ...base, ip: null, nonIp: 'unknown interface' };
    if (!linkTypeSupported(f.linkType)) {
      const key = `${f.interfaceId}:${f.linkType}`;
      if (!this.warnedLinkTypes.has(key)) {
        this.warnedLinkTypes.add(key);
        this.problem(f.offset, `interface ${f.interfaceId}: link type ${f.linkType} is not supported; its frames are counted as non-IP`, index);
      }
    }
    const link = locateIp(f.linkType, f.data, 0, f.data.length);
    if ('nonIp' in link) return { ...base, ip: null, nonIp: link.nonIp };
    const ip = this.ip.decode(f.data, link.ip, f.data.length);
    if (!ip.ok) {
      this.problem(f.offset, ip.problem, index);
      return { ...base, ip: null, nonIp: 'malformed ip' };
    }
    return { ...base, ip: ip.ip };
  }

  private problem(offset: number, message: string, frame?: number): void {
    if (this.problems.length >= MAX_PROBLEMS) {
      this.problemsOmitted++;
      return;
    }
    this.problems.push(frame === undefined ? { offset, message } : { offset, frame, message });
  }
}

export interface CaptureContents {
  format: CaptureFormat | null;
  packets: Packet[];
  problems: CaptureProblem[];
  problemsOmitted: number;
}

/** Reads a whole capture held in memory (tests, small files). */
export function readCapture(bytes: Uint8Array): CaptureContents {
  const reader = new CaptureReader();
  const packets = reader.push(bytes);
  reader.end();
  return { format: reader.format, packets, problems: reader.problems, problemsOmitted: reader.problemsOmitted };
}
