import { createCipheriv, timingSafeEqual, type Cipher } from 'node:crypto';
import { randomInto } from '../random-pool.js';

/** issuedAt (6 bytes: milliseconds until the year 10889) ‖ random (10 bytes): one AES block. */
const BLOCK = 16;
const TAG = 12;
const RAW = BLOCK + TAG;

/**
 * Server nonces for digest challenges (RFC 7616 §3.3, §5.4, §5.5). A nonce is
 * base64url(issuedAt(6) | random(10) | tag(12)), where tag = AES-256(key, issuedAt|random)[0..12):
 * anyone holding the key can check it was ours and how old it is without a table, and every
 * challenge — for an existing extension or not — looks the same. Replays are refused by tracking,
 * per nonce, the highest nonce-count used (nc must grow: RFC 7616 §3.4.5), in a bounded map.
 *
 * Why AES and not HMAC: the tagged message is exactly one block, and a block cipher (a pseudo-random
 * permutation) on one fixed-length block is a secure MAC — it is CBC-MAC of a single block — with
 * forgery chance 2^-96 for the 96 bits kept. Unlike `createHmac`, whose per-call set-up (OpenSSL 3
 * fetches the digest and keys a new context every time) cost ~7 µs per nonce on the REGISTER path,
 * one long-lived cipher context tags a block in well under a microsecond (bench/RESULTS.md, SIP).
 * ECB here only means "encrypt this one block"; nothing longer than a block is ever encrypted.
 */
export class NonceBook {
  private readonly used = new Map<string, number>();
  private readonly cipher: Cipher;

  constructor(
    key: Buffer,
    private readonly ttlMs: number,
    private readonly maxTracked = 100_000,
  ) {
    if (key.length !== 32) throw new RangeError('NonceBook: the key must be 32 bytes (AES-256)');
    this.cipher = createCipheriv('aes-256-ecb', key, null);
    this.cipher.setAutoPadding(false);
  }

  /** A fresh nonce issued at `now`. */
  issue(now: number): string {
    const raw = Buffer.allocUnsafe(RAW);
    writeTime(raw, now);
    randomInto(raw, 6, BLOCK - 6);
    this.tag(raw.subarray(0, BLOCK)).copy(raw, BLOCK, 0, TAG);
    return raw.toString('base64url');
  }

  /**
   * Checks a nonce and its count. `forged`: not ours; `stale`: ours but expired — the client may retry
   * with the new nonce without asking the user (RFC 3261 §22.4 / RFC 7616 §3.3 stale=true);
   * `replayed`: this nonce-count was seen already.
   */
  check(nonce: string, ncHex: string, now: number): 'ok' | 'forged' | 'stale' | 'replayed' {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== RAW || raw.toString('base64url') !== nonce) return 'forged';
    const block = raw.subarray(0, BLOCK);
    if (!timingSafeEqual(raw.subarray(BLOCK), this.tag(block).subarray(0, TAG))) return 'forged';
    const issuedAt = readTime(block);
    if (now - issuedAt > this.ttlMs || issuedAt - now > 60_000) return 'stale';
    if (!/^[0-9a-fA-F]{8}$/.test(ncHex)) return 'replayed';
    const nc = parseInt(ncHex, 16);
    const last = this.used.get(nonce) ?? 0;
    if (nc <= last) return 'replayed';
    return 'ok';
  }

  /** Records a count as used once the response was verified (failed guesses do not burn counts). */
  consume(nonce: string, ncHex: string, now: number): void {
    this.used.delete(nonce);
    this.used.set(nonce, parseInt(ncHex, 16));
    if (this.used.size > this.maxTracked) this.prune(now);
  }

  /**
   * Map order is insertion order, which follows issue time closely: walk from the oldest, dropping
   * expired entries and, while still over the bound, the oldest live ones (their next use reads as
   * a replay and gets a new challenge). Amortised O(1) per insert.
   */
  private prune(now: number): void {
    for (const nonce of this.used.keys()) {
      const issuedAt = readTime(Buffer.from(nonce, 'base64url'));
      if (now - issuedAt <= this.ttlMs && this.used.size <= this.maxTracked * 0.9) break;
      this.used.delete(nonce);
    }
  }

  /** AES-256 of exactly one block (the context is reused: with padding off, each call is one ECB block). */
  private tag(block: Buffer): Buffer {
    return this.cipher.update(block);
  }
}

/** issuedAt in milliseconds as a 48-bit big-endian integer. */
function writeTime(buf: Buffer, ms: number): void {
  buf.writeUIntBE(ms, 0, 6);
}

function readTime(buf: Buffer): number {
  return buf.readUIntBE(0, 6);
}
