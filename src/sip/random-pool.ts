import { randomFillSync } from 'node:crypto';

/**
 * Random bytes for tags, branches and nonces, taken from a pool the CSPRNG refills 4 KiB at a time.
 * Every authenticated registration needs three of these (a nonce, two To tags); one `randomBytes`
 * call per value cost about 2 µs, a slice of the pool about 0.1 µs (bench/RESULTS.md, SIP). Bytes
 * are handed out once and never reused; the pool is the same OpenSSL CSPRNG `randomBytes` reads.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

function take(n: number): number {
  if (n > POOL_SIZE) throw new RangeError('random-pool: request larger than the pool');
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += n;
  return at;
}

/** `n` random bytes as lower-case hex (2n characters). */
export function randomHex(n: number): string {
  const at = take(n);
  return pool.toString('hex', at, at + n);
}

/** Copies `n` random bytes into `target` at `targetStart`. */
export function randomInto(target: Buffer, targetStart: number, n: number): void {
  const at = take(n);
  pool.copy(target, targetStart, at, at + n);
}
