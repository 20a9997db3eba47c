import { ApiError } from '../../../src/client/index.js';
import type { MediaApi, MediaInfo, UploadStart, UploadState } from './api.js';
import { hmacFile, sha256Bytes, sha256File } from './hash.js';
import { fromHex } from './sha256.js';
import { deletePending, savePending, type PendingRecord } from './pending-db.js';

/** Parts in flight at once: three connections, so one stalled connection does not stall the file. */
export const PARALLEL = 3;

export type UploadPhase = 'hashing' | 'uploading' | 'finishing' | 'done' | 'needs-file' | 'retrying' | 'failed' | 'canceled';

/** Key of the nonce for the proof of possession: the server sends it hex-encoded. */
export function nonceKey(nonce: string): Uint8Array {
  return /^[0-9a-f]+$/i.test(nonce) && nonce.length % 2 === 0 ? fromHex(nonce) : new TextEncoder().encode(nonce);
}

function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

/** Network trouble (worth retrying) as opposed to an answer from the server. */
function isTransient(err: unknown): boolean {
  if (err instanceof ApiError) return err.status >= 500 || err.status === 429 || err.code === 'invalid_response';
  return err instanceof TypeError;
}

/**
 * One file going up: hash, ask the server (dedup → proof of possession, no content sent), else send
 * the missing parts over PARALLEL connections and complete. Survives dropped connections (retries
 * with backoff, waits for `online`) and reloads (pending record + the server's received parts).
 */
export class UploadTask {
  phase: UploadPhase = 'hashing';
  /** Bytes hashed or sent so far, for the progress bar of the current phase. */
  done = 0;
  error: unknown;
  media: MediaInfo | undefined;
  /** True when the server already had the content and no content bytes were sent. */
  deduped = false;
  private ctrl = new AbortController();
  private inFlight = new Map<number, number>();
  private partsDone = 0;
  /** Parts are going up: progress counts bytes sent, not bytes hashed. */
  private sending = false;

  constructor(
    private readonly api: MediaApi,
    readonly rec: PendingRecord,
    public file: Blob | undefined,
    private readonly onChange: () => void,
    /** False for uploads that are not messages themselves (a video's poster): never restored. */
    private readonly persist = true,
  ) {
    if (!file) this.phase = 'needs-file';
  }

  get total(): number {
    return this.rec.size;
  }

  /** Progress 0..1 of the current phase. */
  get progress(): number {
    const sent = this.sending ? this.partsDone + [...this.inFlight.values()].reduce((a, b) => a + b, 0) : this.done;
    return this.total ? Math.min(1, sent / this.total) : 1;
  }

  cancel(): void {
    if (this.phase === 'done') return;
    this.phase = 'canceled';
    this.ctrl.abort();
    if (this.rec.uploadId) void this.api.cancel(this.rec.uploadId).catch(() => undefined);
    void deletePending(this.rec.key);
    this.onChange();
  }

  /** Gives the task its file again after a reload; refused when it is not the same content. */
  async provideFile(file: Blob): Promise<boolean> {
    if (file.size !== this.rec.size) return false;
    if (this.rec.sha256) {
      this.phase = 'hashing';
      this.onChange();
      const hex = await sha256File(file, { onProgress: (d) => { this.done = d; this.onChange(); } });
      if (hex !== this.rec.sha256) {
        this.phase = 'needs-file';
        this.onChange();
        return false;
      }
    }
    this.file = file;
    return true;
  }

  /** Runs the upload to the end; resolves with the stored media, rejects on a definite failure. */
  async run(): Promise<MediaInfo> {
    const file = this.file;
    if (!file) throw new Error('no file');
    try {
      const signal = this.ctrl.signal;
      if (!this.rec.sha256) {
        this.phase = 'hashing';
        this.onChange();
        this.rec.sha256 = await sha256File(file, { signal, onProgress: (d) => { this.done = d; this.onChange(); } });
        if (this.persist) void savePending(this.rec);
      }
      const state = await this.retrying(() => this.open());
      if (state.dedup) this.media = await this.prove(file, state, signal);
      if (!this.media) {
        await this.sendParts(file, state, signal);
        this.phase = 'finishing';
        this.onChange();
        this.media = await this.retrying(() => this.complete(file, state, signal));
      }
      this.phase = 'done';
      this.onChange();
      return this.media;
    } catch (err) {
      if (this.phase !== 'canceled') {
        this.phase = 'failed';
        this.error = err;
        this.onChange();
      }
      throw err;
    }
  }

  /** Dedup: prove we hold the content the server has; no content byte goes up. */
  private async prove(file: Blob, state: UploadState, signal: AbortSignal): Promise<MediaInfo | undefined> {
    this.phase = 'finishing';
    this.onChange();
    const proof = await hmacFile(nonceKey(state.dedup!.nonce), file, { signal });
    try {
      const media = await this.retrying(() => this.api.proof(state.uploadId, proof));
      this.deduped = true;
      return media;
    } catch (err) {
      // The stored copy went away meanwhile, or the nonce expired: send the bytes after all.
      if (err instanceof ApiError && err.code === 'proof_invalid') return undefined;
      throw err;
    }
  }

  /** The server's upload for this file: the remembered one if it still exists, else a new one. */
  private async open(): Promise<UploadState> {
    if (this.rec.uploadId) {
      try {
        return await this.api.status(this.rec.uploadId);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      }
    }
    const start: UploadStart = { ...this.rec.start!, size: this.rec.size, sha256: this.rec.sha256! };
    const state = await this.api.create(start);
    this.rec.uploadId = state.uploadId;
    if (this.persist) await savePending(this.rec);
    return state;
  }

  private async complete(file: Blob, state: UploadState, signal: AbortSignal): Promise<MediaInfo> {
    try {
      return await this.api.complete(state.uploadId);
    } catch (err) {
      const missing = err instanceof ApiError && err.code === 'upload_incomplete' ? (err.data?.missing as number[] | undefined) : undefined;
      if (!missing?.length) throw err;
      await this.sendParts(file, { ...state, received: [...Array(state.partCount).keys()].filter((i) => !missing.includes(i)) }, signal);
      return this.api.complete(state.uploadId);
    }
  }

  private async sendParts(file: Blob, state: UploadState, signal: AbortSignal): Promise<void> {
    const have = new Set(state.received);
    const queue = [...Array(state.partCount).keys()].filter((i) => !have.has(i));
    const partLen = (i: number) => Math.min(state.partSize, file.size - i * state.partSize);
    this.partsDone = state.received.reduce((sum, i) => sum + partLen(i), 0);
    this.sending = true;
    this.phase = 'uploading';
    this.onChange();
    const worker = async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const index = i;
        const part = file.slice(index * state.partSize, index * state.partSize + partLen(index));
        const sha = await sha256Bytes(await part.arrayBuffer());
        await this.retrying(async () => {
          this.inFlight.set(index, 0);
          try {
            await this.api.putPart(state.uploadId, index, part, { sha256: sha, signal, onProgress: (n) => { this.inFlight.set(index, n); this.onChange(); } });
          } finally {
            this.inFlight.delete(index);
          }
        });
        this.partsDone += part.size;
        this.onChange();
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
  }

  /** Retries `fn` on network errors with backoff (waiting for the browser to be online again). */
  private async retrying<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fn();
        if (this.phase === 'retrying') {
          this.phase = 'uploading';
          this.onChange();
        }
        return r;
      } catch (err) {
        if (isAbort(err) || this.ctrl.signal.aborted || !isTransient(err)) throw err;
        const before = this.phase;
        this.phase = 'retrying';
        this.onChange();
        await this.backoff(attempt);
        if (this.phase === 'retrying') this.phase = before;
      }
    }
  }

  private backoff(attempt: number): Promise<void> {
    const signal = this.ctrl.signal;
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        window.removeEventListener('online', finish);
        signal.removeEventListener('abort', finish);
        if (signal.aborted) reject(new DOMException('aborted', 'AbortError'));
        else resolve();
      };
      // Offline: wait for the network; online: exponential backoff up to 10 s.
      const timer = setTimeout(finish, navigator.onLine ? Math.min(10000, 500 * 2 ** attempt) : 30000);
      window.addEventListener('online', finish);
      signal.addEventListener('abort', finish);
    });
  }
}
