import { createHash, type Hash } from 'node:crypto';
import { hashRange, type SpoolFiles } from './spool.js';

interface State {
  hash: Hash;
  /** Next part to feed to the hash. */
  next: number;
  received: Set<number>;
  writing: Set<number>;
  work: Promise<void>;
  broken: boolean;
}

/**
 * Hashes an upload's spool file in part order while later parts are still arriving, so completing a
 * large upload does not start a full pass over the file (bench/RESULTS.md, media). Only an in-process
 * hint: any doubt (a part sent twice, parts stored by another process before a restart) drops the
 * state and `complete` hashes the whole file instead.
 */
export class RunningHashes {
  private readonly states = new Map<string, State>();

  constructor(private readonly files: SpoolFiles, private readonly path: (uploadId: string) => string) {}

  /** Starts tracking a new upload (no part stored yet). */
  begin(uploadId: string): void {
    this.states.set(uploadId, { hash: createHash('sha256'), next: 0, received: new Set(), writing: new Set(), work: Promise.resolve(), broken: false });
  }

  /** A write of `index` starts: a part written twice, or while hashed, may change bytes already hashed. */
  writing(uploadId: string, index: number): void {
    const s = this.states.get(uploadId);
    if (!s) return;
    if (s.received.has(index) || s.writing.has(index)) this.drop(uploadId);
    else s.writing.add(index);
  }

  /** A write of `index` ended (stored or failed). */
  written(uploadId: string, index: number, ok: boolean, partSize: number, size: number): void {
    const s = this.states.get(uploadId);
    if (!s) return;
    s.writing.delete(index);
    if (!ok) return;
    s.received.add(index);
    s.work = s.work.then(async () => {
      while (!s.broken && s.received.has(s.next)) {
        const start = s.next * partSize;
        await hashRange(this.files, this.path(uploadId), start, Math.min(size, start + partSize), (b) => s.hash.update(b), () => s.broken);
        if (s.broken) return;
        s.next++;
      }
    }).catch(() => this.drop(uploadId));
  }

  /** The SHA-256 hex of all `partCount` parts, or undefined when it must be computed afresh. */
  async digest(uploadId: string, partCount: number): Promise<string | undefined> {
    const s = this.states.get(uploadId);
    if (!s) return undefined;
    await s.work;
    this.states.delete(uploadId);
    return !s.broken && s.next === partCount && s.writing.size === 0 ? s.hash.digest('hex') : undefined;
  }

  drop(uploadId: string): void {
    const s = this.states.get(uploadId);
    if (s) s.broken = true;
    this.states.delete(uploadId);
  }
}
