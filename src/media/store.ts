import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Content store addressed by SHA-256 (issue 7). Callers never see paths, so an S3-compatible
 * store can implement the same interface; the local disk one is the default.
 */
export interface ContentStore {
  has(sha256: string): Promise<boolean>;
  /** Moves a finished local file in under its hash; a file already stored wins (same bytes). */
  putFile(sha256: string, localPath: string): Promise<void>;
  putBuffer(sha256: string, data: Buffer): Promise<void>;
  /** Reads `[start, end]` (inclusive) or everything. */
  read(sha256: string, range?: { start: number; end: number }): Readable;
  delete(sha256: string): Promise<void>;
  /** Every stored hash with its modification time (for garbage collection of strays). */
  list(): AsyncIterable<{ sha256: string; mtimeMs: number }>;
}

/** `<root>/ab/cd/<sha256>`: two fan-out levels keep directories small. */
export class LocalDiskStore implements ContentStore {
  constructor(private readonly root: string) {}

  path(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error('not a sha256 hex');
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.path(sha256))).isFile();
    } catch {
      return false;
    }
  }

  async putFile(sha256: string, localPath: string): Promise<void> {
    const target = this.path(sha256);
    await mkdir(join(target, '..'), { recursive: true });
    // rename() is atomic: a reader sees either no file or the whole file, never a partial one.
    await rename(localPath, target);
  }

  async putBuffer(sha256: string, data: Buffer): Promise<void> {
    const target = this.path(sha256);
    await mkdir(join(target, '..'), { recursive: true });
    // Unique per call: two finishes of the same content may write it at the same time.
    const tmp = `${target}.${randomBytes(8).toString('hex')}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, target);
  }

  read(sha256: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.path(sha256), range ? { start: range.start, end: range.end, highWaterMark: 1 << 20 } : { highWaterMark: 1 << 20 });
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.path(sha256), { force: true });
  }

  async *list(): AsyncIterable<{ sha256: string; mtimeMs: number }> {
    for (const a of await readdirSafe(this.root)) {
      for (const b of await readdirSafe(join(this.root, a))) {
        for (const name of await readdirSafe(join(this.root, a, b))) {
          if (!SHA256_HEX.test(name)) continue;
          try {
            yield { sha256: name, mtimeMs: (await stat(join(this.root, a, b, name))).mtimeMs };
          } catch {
            // Deleted while listing.
          }
        }
      }
    }
  }
}

async function readdirSafe(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
