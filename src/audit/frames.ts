import type { ByteQueue } from './bytes.js';

/** One captured frame as a container format delivers it, before any protocol decoding. */
export interface RawFrame {
  /** File offset of the record (for problem reports). */
  offset: number;
  interfaceId: number;
  linkType: number;
  timestampUs: number | null;
  originalLength: number;
  /** The captured bytes; a view valid only until the queue is pushed again. */
  data: Uint8Array;
}

/**
 * A container format's record parser. `next` returns a frame, `null` when more bytes are needed, or
 * `'skip'` after consuming a record that holds no frame (pcapng interface and statistics blocks).
 * It never throws: damage is reported through `problem`, and a parser that cannot find the next
 * record boundary any more returns `'dead'` for good.
 */
export interface RecordParser {
  next(q: ByteQueue, problem: (offset: number, message: string) => void): RawFrame | null | 'skip' | 'dead';
}

/**
 * Largest record accepted (16 MiB). Real captures stay far below (snap lengths are ≤ 256 KiB); a
 * larger length field means damage, and waiting for that many bytes would hold them all in memory.
 */
export const MAX_RECORD = 16 * 1024 * 1024;
