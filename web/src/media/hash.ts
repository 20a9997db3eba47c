import { HmacSha256, Sha256, toHex } from './sha256.js';

/** Files up to this size are hashed by WebCrypto in one call (native speed, one copy in memory). */
const WHOLE_LIMIT = 256 * 1024 * 1024;
/** Larger files are read and hashed in slices of this size, so memory stays flat. */
const SLICE = 4 * 1024 * 1024;

export interface HashOptions {
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

function hasSubtle(): boolean {
  // crypto.subtle exists only in secure contexts (https or localhost); a LAN http address lacks it.
  return typeof crypto !== 'undefined' && !!crypto.subtle;
}

/** Reads `blob` slice by slice, handing each slice to `fn`; reports progress and honours `signal`. */
async function eachSlice(blob: Blob, fn: (bytes: Uint8Array) => void, opts: HashOptions): Promise<void> {
  for (let off = 0; off < blob.size || (off === 0 && blob.size === 0); off += SLICE) {
    if (opts.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    const bytes = new Uint8Array(await blob.slice(off, off + SLICE).arrayBuffer());
    fn(bytes);
    opts.onProgress?.(Math.min(blob.size, off + SLICE), blob.size);
    if (blob.size === 0) break;
  }
}

/** Hex SHA-256 of a file: WebCrypto for small files, the incremental hasher for large ones. */
export async function sha256File(blob: Blob, opts: HashOptions = {}): Promise<string> {
  if (blob.size <= WHOLE_LIMIT && hasSubtle()) {
    const buf = await blob.arrayBuffer();
    const hex = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', buf)));
    opts.onProgress?.(blob.size, blob.size);
    return hex;
  }
  const h = new Sha256();
  await eachSlice(blob, (b) => h.update(b), opts);
  return toHex(h.digest());
}

/** Hex SHA-256 of one part (the optional X-Part-Sha256 header). */
export async function sha256Bytes(bytes: ArrayBuffer): Promise<string> {
  if (hasSubtle()) return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
  return toHex(new Sha256().update(new Uint8Array(bytes)).digest());
}

/**
 * Proof of possession for dedup: hex HMAC-SHA-256 keyed by the server's fresh nonce over the whole
 * content. Knowing only the hash cannot produce it; the content itself never leaves the browser.
 */
export async function hmacFile(key: Uint8Array, blob: Blob, opts: HashOptions = {}): Promise<string> {
  if (blob.size <= WHOLE_LIMIT && hasSubtle()) {
    const k = await crypto.subtle.importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return toHex(new Uint8Array(await crypto.subtle.sign('HMAC', k, await blob.arrayBuffer())));
  }
  const h = new HmacSha256(key);
  await eachSlice(blob, (b) => h.update(b), opts);
  return toHex(h.digest());
}
