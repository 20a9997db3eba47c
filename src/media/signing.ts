import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Variant = 'original' | 'thumb';

/**
 * Signed download URLs: HMAC-SHA-256 over (media id, variant, expiry) with a server key, so an
 * `<img>`/`<audio>`/`<video>` can fetch without headers and a URL grants exactly one variant of one
 * media until it expires. Expiries are rounded up to a step so repeated mints give the same URL
 * and browsers can reuse their cache.
 */
export class UrlSigner {
  constructor(private readonly key: Buffer) {}

  /** Key from config, else the one kept in `dir` (made on first start). */
  static load(configured: string, dir: string): UrlSigner {
    if (configured) return new UrlSigner(Buffer.from(configured, 'utf8'));
    const file = join(dir, 'url-signing.key');
    try {
      return new UrlSigner(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex'));
    } catch {
      mkdirSync(dir, { recursive: true });
      const key = randomBytes(32);
      // wx: two processes starting together must not overwrite each other's key.
      try {
        writeFileSync(file, key.toString('hex'), { flag: 'wx', mode: 0o600 });
        return new UrlSigner(key);
      } catch {
        return new UrlSigner(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex'));
      }
    }
  }

  sign(mediaId: string, variant: Variant, exp: number): string {
    return createHmac('sha256', this.key).update(`${mediaId}\n${variant}\n${exp}`).digest('base64url');
  }

  /** True when `sig` is ours for these values and `exp` is still in the future. */
  verify(mediaId: string, variant: Variant, exp: number, sig: string, now: number): boolean {
    if (!Number.isSafeInteger(exp) || exp <= now) return false;
    const want = Buffer.from(this.sign(mediaId, variant, exp));
    const got = Buffer.from(sig);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}

/** Expiry at least `ttl` from now, rounded up to a tenth of the ttl. */
export function roundedExpiry(now: number, ttl: number): number {
  const step = Math.max(1000, Math.floor(ttl / 10));
  return Math.ceil((now + ttl) / step) * step;
}
