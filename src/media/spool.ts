import { open, type FileHandle } from 'node:fs/promises';
import { AppError } from '../kernel/errors.js';
import './errors.js';

const BATCH = 1 << 20;

/**
 * Writes a part's bytes at `position` of the spool file as they arrive, in batches of about 1 MiB
 * (one writev each), refusing more than `expected` bytes. Returns the byte count. `onChunk` sees
 * every chunk (the optional per-part hash). Stream machinery per chunk cost more CPU than the
 * writes (bench/RESULTS.md, media).
 */
export async function writeAt(files: SpoolFiles, path: string, body: AsyncIterable<unknown>, position: number, expected: number, onChunk?: (b: Buffer) => void): Promise<number> {
  const fh = await files.acquire(path);
  let received = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let pos = position;
  const flush = async () => {
    if (!pendingBytes) return;
    const chunks = pending;
    pending = [];
    const n = pendingBytes;
    pendingBytes = 0;
    await fh.writev(chunks, pos);
    pos += n;
  };
  try {
    for await (const c of body) {
      const chunk = c as Buffer;
      received += chunk.length;
      if (received > expected) throw new AppError('part_invalid', { reason: 'part too long', expected });
      onChunk?.(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= BATCH) await flush();
    }
    await flush();
    return received;
  } finally {
    await files.release(path);
  }
}

/** Feeds bytes `[start, end)` of a file to `update`, through one reused buffer (no garbage per chunk). */
export async function hashRange(files: SpoolFiles, path: string, start: number, end: number, update: (b: Buffer) => void, stop: () => boolean = () => false): Promise<number> {
  const fh = await files.acquire(path);
  const buf = Buffer.allocUnsafe(Math.min(BATCH * 4, Math.max(1, end - start)));
  let pos = start;
  try {
    while (pos < end && !stop()) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
      if (bytesRead === 0) break;
      update(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    return pos - start;
  } finally {
    await files.release(path);
  }
}

/**
 * Open spool files shared by the parts and the running hash of one upload: opening and closing a
 * file per part showed up in the server's CPU profile. Closed when the last user releases it after
 * `forget` (upload finished or dropped), or at once when more than `max` files would stay open.
 */
export class SpoolFiles {
  private readonly open = new Map<string, { fh: Promise<FileHandle>; users: number; keep: boolean }>();

  constructor(private readonly max = 256) {}

  acquire(path: string): Promise<FileHandle> {
    let e = this.open.get(path);
    if (!e) {
      e = { fh: open(path, 'r+'), users: 0, keep: this.open.size < this.max };
      this.open.set(path, e);
      const entry = e;
      // A failed open (ENOENT: cancelled meanwhile) must not stay cached.
      e.fh.catch(() => { if (this.open.get(path) === entry) this.open.delete(path); });
    }
    e.users++;
    return e.fh;
  }

  async release(path: string): Promise<void> {
    const e = this.open.get(path);
    if (!e) return;
    e.users--;
    if (e.users === 0 && !e.keep) await this.close(path, e);
  }

  /** The upload is over: close once nobody uses the file. */
  async forget(path: string): Promise<void> {
    const e = this.open.get(path);
    if (!e) return;
    e.keep = false;
    if (e.users === 0) await this.close(path, e);
  }

  private async close(path: string, e: { fh: Promise<FileHandle> }): Promise<void> {
    this.open.delete(path);
    await (await e.fh.catch(() => undefined))?.close();
  }
}
