import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Server nonces for digest challenges (RFC 7616 §3.3, §5.4, §5.5). A nonce is
 * base64url(issuedAt(8) | random(12) | HMAC(key, issuedAt|random)[0..12)): anyone can check it was
 * ours and how old it is without a table, and every challenge — for an existing extension or not —
 * looks the same. Replays are refused by tracking, per nonce, the highest nonce-count used (nc must
 * grow: RFC 7616 §3.4.5), in a bounded map.
 */
export class NonceBook {
  private readonly used = new Map<string, number>();

  constructor(
    private readonly key: Buffer,
    private readonly ttlMs: number,
    private readonly maxTracked = 100_000,
  ) {}

  /** A fresh nonce issued at `now`. */
  issue(now: number): string {
    const body = Buffer.alloc(20);
    body.writeBigUInt64BE(BigInt(now), 0);
    randomBytes(12).copy(body, 8);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /**
   * Checks a nonce and its count. `forged`: not ours; `stale`: ours but expired — the client may retry
   * with the new nonce without asking the user (RFC 3261 §22.4 / RFC 7616 §3.3 stale=true);
   * `replayed`: this nonce-count was seen already.
   */
  check(nonce: string, ncHex: string, now: number): 'ok' | 'forged' | 'stale' | 'replayed' {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 32 || raw.toString('base64url') !== nonce) return 'forged';
    const body = raw.subarray(0, 20);
    if (!timingSafeEqual(raw.subarray(20), this.mac(body))) return 'forged';
    const issuedAt = Number(body.readBigUInt64BE(0));
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
      const issuedAt = Number(Buffer.from(nonce, 'base64url').readBigUInt64BE(0));
      if (now - issuedAt <= this.ttlMs && this.used.size <= this.maxTracked * 0.9) break;
      this.used.delete(nonce);
    }
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 12);
  }
}
