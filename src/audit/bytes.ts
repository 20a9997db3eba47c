/**
 * The unread tail of a capture arriving in chunks. Holds at most one partial record plus the latest
 * chunk, so memory stays bounded by the record size limit, not by the capture size.
 */
export class ByteQueue {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  /** Absolute file offset of the next unread byte (for problem reports). */
  offset = 0;

  push(chunk: Uint8Array): void {
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      const rest = this.buf.subarray(this.pos);
      const joined = new Uint8Array(rest.length + chunk.length);
      joined.set(rest, 0);
      joined.set(chunk, rest.length);
      this.buf = joined;
    }
    this.pos = 0;
  }

  get available(): number {
    return this.buf.length - this.pos;
  }

  /** A view of the next `n` unread bytes (valid until the next push); caller checks `available` first. */
  peek(n: number): Uint8Array {
    return this.buf.subarray(this.pos, this.pos + n);
  }

  skip(n: number): void {
    const step = Math.min(n, this.available);
    this.pos += step;
    this.offset += step;
  }
}

/** Fixed-width integers in the byte order of the current file or section. */
export class Endian {
  constructor(readonly little: boolean) {}

  u16(b: Uint8Array, at: number): number {
    const x = b[at] ?? 0;
    const y = b[at + 1] ?? 0;
    return this.little ? x | (y << 8) : (x << 8) | y;
  }

  u32(b: Uint8Array, at: number): number {
    const [w, x, y, z] = [b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0];
    return (this.little ? (z << 24) | (y << 16) | (x << 8) | w : (w << 24) | (x << 16) | (y << 8) | z) >>> 0;
  }

  /** Signed 64-bit as a BigInt (pcapng if_tsoffset). */
  i64(b: Uint8Array, at: number): bigint {
    const first = BigInt(this.u32(b, at));
    const second = BigInt(this.u32(b, at + 4));
    return BigInt.asIntN(64, this.little ? (second << 32n) | first : (first << 32n) | second);
  }
}

export const LITTLE = new Endian(true);
export const BIG = new Endian(false);
