import type { MediaView, UploadDescription, UploadView } from '../protocol/views.js';
import { ApiError } from './errors.js';
import { httpCall } from './http.js';

/** What to upload: the bytes plus what the server should know about them. */
export interface MediaUploadInput extends UploadDescription {
  data: Blob | Uint8Array;
  /** SHA-256 hex of `data`, when the caller has it already (saves hashing again). */
  sha256?: string;
}

export interface UploadProgress {
  uploadId: string;
  sentBytes: number;
  totalBytes: number;
  partsDone: number;
  partCount: number;
}

export interface MediaUploadOptions {
  /** Parallel part uploads (connections); default 3. */
  parallel?: number;
  /** Aborting stops the transfer; the parts already stored stay, and the same call later resumes. */
  signal?: AbortSignal;
  onProgress?(p: UploadProgress): void;
  /** Called once the server knows the upload (keep `uploadId` to show it or cancel it later). */
  onCreated?(u: UploadView): void;
  /** Prove possession instead of sending bytes when the server has the content (default true). */
  dedup?: boolean;
  /** Send X-Part-Sha256 with each part so a corrupted part is refused at once (default false). */
  partHashes?: boolean;
  /** Attempts per part on network errors and 5xx (default 4). */
  attempts?: number;
}

export interface MediaUploadResult {
  media: MediaView;
  uploadId: string;
  /** Content bytes this call sent (0 on a dedup hit). */
  bytesSent: number;
  deduplicated: boolean;
}

/**
 * Uploads in parts over `parallel` connections (docs/protocol.md, Media). Resumable: the server
 * matches a new call for the same content (SHA-256 and size) to the caller's pending upload and
 * answers which parts it has, so calling again after a dropped connection or a reload sends only
 * the missing parts. With dedup, an already stored file costs 0 content bytes.
 */
export async function uploadMedia(baseUrl: string, token: string | undefined, input: MediaUploadInput, opts: MediaUploadOptions = {}): Promise<MediaUploadResult> {
  const data = input.data;
  const size = data instanceof Uint8Array ? data.byteLength : data.size;
  const sha256 = input.sha256 ?? (await sha256Hex(data));
  const { data: _d, sha256: _s, ...meta } = input;
  let up = await httpCall<UploadView>(baseUrl, token, 'media.createUpload', { ...meta, size, sha256 });
  opts.onCreated?.(up);
  if (up.dedup && opts.dedup !== false) {
    try {
      const proof = await hmacHex(hexBytes(up.dedup.nonce), data);
      const media = await httpCall<MediaView>(baseUrl, token, 'media.prove', { uploadId: up.uploadId, proof });
      opts.onProgress?.({ uploadId: up.uploadId, sentBytes: size, totalBytes: size, partsDone: up.partCount, partCount: up.partCount });
      return { media, uploadId: up.uploadId, bytesSent: 0, deduplicated: true };
    } catch (err) {
      // The stored copy went away meanwhile (or the nonce expired): upload the bytes after all.
      if (!(err instanceof ApiError) || err.code !== 'proof_invalid') throw err;
    }
  }
  let bytesSent = 0;
  for (let round = 0; ; round++) {
    bytesSent += await sendParts(baseUrl, token, up, data, size, opts);
    try {
      const media = await httpCall<MediaView>(baseUrl, token, 'media.complete', { uploadId: up.uploadId });
      return { media, uploadId: up.uploadId, bytesSent, deduplicated: false };
    } catch (err) {
      // A part lost on the server side (e.g. a crash after the answer): fetch the state and fill in.
      if (round >= 2 || !(err instanceof ApiError) || err.code !== 'upload_incomplete') throw err;
      up = { ...(await httpCall<UploadView>(baseUrl, token, 'media.uploadStatus', { uploadId: up.uploadId })), dedup: null };
    }
  }
}

async function sendParts(baseUrl: string, token: string | undefined, up: UploadView, data: Blob | Uint8Array, size: number, opts: MediaUploadOptions): Promise<number> {
  const have = new Set(up.received);
  const todo: number[] = [];
  for (let i = 0; i < up.partCount; i++) if (!have.has(i)) todo.push(i);
  const partLen = (i: number) => Math.min(up.partSize, size - i * up.partSize);
  let sentBytes = up.received.reduce((n, i) => n + partLen(i), 0);
  let partsDone = up.received.length;
  let sent = 0;
  const url = `${baseUrl.replace(/\/$/, '')}/api/v1/media/uploads/${encodeURIComponent(up.uploadId)}/parts/`;
  const worker = async (): Promise<void> => {
    for (let i = todo.shift(); i !== undefined; i = todo.shift()) {
      const start = i * up.partSize;
      const body = data instanceof Uint8Array ? data.subarray(start, start + partLen(i)) : data.slice(start, start + partLen(i));
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (opts.partHashes) headers['x-part-sha256'] = await sha256Hex(body);
      await withRetries(opts.attempts ?? 4, opts.signal, async () => {
        // A Uint8Array is a valid fetch body; DOM typings only want an ArrayBuffer-backed view.
        const res = await fetch(url + i, { method: 'PUT', headers, body: body as Blob, ...(opts.signal ? { signal: opts.signal } : {}) });
        if (!res.ok) throw await apiError(res);
      });
      sent += partLen(i);
      sentBytes += partLen(i);
      partsDone++;
      opts.onProgress?.({ uploadId: up.uploadId, sentBytes, totalBytes: size, partsDone, partCount: up.partCount });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel ?? 3, 16)) }, worker));
  return sent;
}

/** Retries network failures and 5xx with a short backoff; 4xx answers and aborts end at once. */
async function withRetries(attempts: number, signal: AbortSignal | undefined, run: () => Promise<void>): Promise<void> {
  for (let n = 1; ; n++) {
    try {
      return await run();
    } catch (err) {
      const retriable = !(err instanceof ApiError) || err.status >= 500;
      if (!retriable || n >= attempts || signal?.aborted) throw err;
      await new Promise((r) => setTimeout(r, 200 * 2 ** (n - 1)));
    }
  }
}

async function apiError(res: Response): Promise<ApiError> {
  try {
    const e = ((await res.json()) as { error?: { code?: string; message?: string; data?: Record<string, unknown> } }).error;
    return new ApiError(e?.code ?? 'unknown', e?.message ?? res.statusText, res.status, e?.data);
  } catch {
    return new ApiError('invalid_response', `server answered ${res.status}`, res.status);
  }
}

async function bytesOf(data: Blob | Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  if (data instanceof Uint8Array) return data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
  return new Uint8Array(await data.arrayBuffer());
}

/** SHA-256 hex of the content (WebCrypto: browsers and Node alike). */
export async function sha256Hex(data: Blob | Uint8Array): Promise<string> {
  return hex(await globalThis.crypto.subtle.digest('SHA-256', await bytesOf(data)));
}

/** The dedup proof: HMAC-SHA-256 with the nonce's bytes as key, over the whole content. */
export async function hmacHex(key: Uint8Array<ArrayBuffer>, data: Blob | Uint8Array): Promise<string> {
  const k = await globalThis.crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return hex(await globalThis.crypto.subtle.sign('HMAC', k, await bytesOf(data)));
}

function hex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

function hexBytes(h: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}
