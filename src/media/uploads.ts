import './errors.js';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../kernel/errors.js';
import { randomToken } from '../kernel/ids.js';
import type { Clock } from '../kernel/clock.js';
import type { Config } from '../kernel/config.js';
import type { Db } from '../storage/database.js';
import type { MediaView, UploadView } from '../protocol/views.js';
import type { ContentStore } from './store.js';
import { finishUpload, type UploadParams, type UploadRow } from './finish.js';
import { RunningHashes } from './running-hash.js';
import { hashRange, writeAt, SpoolFiles } from './spool.js';

export type { UploadParams } from './finish.js';

export interface CreateUploadInput extends UploadParams {
  size: number;
  sha256: string;
}

/** Declared MIME type per kind; photos are checked again by decoding them. */
const KIND_MIME: Record<UploadParams['kind'], RegExp> = { photo: /^image\//, voice: /^audio\//, video: /^video\//, file: /^/ };

/**
 * Resumable uploads in parts (issue 7; docs/protocol.md, Media). Parts land at their offset in one
 * sparse spool file per upload, in any order and over any number of connections; completing hashes
 * the file once and moves it into the content store. Dedup: when the content is already stored the
 * client may instead prove possession with an HMAC of the content under a fresh nonce.
 */
export class MediaUploads {
  private readonly finishing = new Map<string, Promise<MediaView>>();
  private readonly files = new SpoolFiles();
  /** Part writes in progress per upload, and uploads being completed (no new part writes). */
  private readonly writers = new Map<string, { n: number; idle: Array<() => void>; bodies: Set<Readable> }>();
  private readonly sealed = new Set<string>();
  private readonly hashes = new RunningHashes(this.files, (id) => this.spoolPath(id));

  constructor(
    private readonly db: Db,
    private readonly store: ContentStore,
    private readonly clock: Clock,
    private readonly config: Readonly<Config['media']>,
    private readonly spoolDir: string,
  ) {}

  /** Starts an upload, or returns the caller's pending one for the same content (resume after a reload). */
  async create(accountId: number, input: CreateUploadInput): Promise<UploadView> {
    const cfg = this.config;
    if (input.size > cfg.maxBytes) throw new AppError('media_too_large', { maxBytes: cfg.maxBytes });
    if (!KIND_MIME[input.kind].test(input.mime)) throw new AppError('unsupported_media', { reason: `a ${input.kind} needs a ${String(KIND_MIME[input.kind]).slice(2, -1)}* type` });
    const sha256 = input.sha256.toLowerCase();
    const now = this.clock.now();
    const params: UploadParams = { ...input, name: cleanName(input.name) };
    delete (params as Partial<CreateUploadInput>).size;
    delete (params as Partial<CreateUploadInput>).sha256;
    // A poster must exist before the video's bytes are sent, not fail its completion afterwards.
    if (input.posterUploadMediaId !== undefined) {
      const poster = await this.db.selectFrom('media').select('id').where('id', '=', input.posterUploadMediaId).where('owner_id', '=', accountId).where('kind', '=', 'photo').executeTakeFirst();
      if (!poster || input.kind !== 'video') throw new AppError('media_not_found', { reason: 'posterUploadMediaId must be a photo you uploaded, for a video' });
    }
    const pending = await this.db.selectFrom('media_uploads').selectAll().where('owner_id', '=', accountId).where('sha256', '=', sha256).where('size', '=', input.size).where('expires_at', '>', now).executeTakeFirst();
    await this.checkQuota(accountId, input.size, pending?.id);
    const stored = await this.db.selectFrom('media_blobs').select('sha256').where('sha256', '=', sha256).where('size', '=', input.size).executeTakeFirst();
    const nonce = stored ? randomBytes(32).toString('hex') : null;
    const fields = { params: JSON.stringify(params), nonce, nonce_expires_at: nonce ? now + cfg.proofTtlMs : null, expires_at: now + cfg.uploadTtlMs };
    let row: UploadRow;
    if (pending) {
      await this.db.updateTable('media_uploads').set(fields).where('id', '=', pending.id).execute();
      row = { ...pending, ...fields };
    } else {
      const partCount = Math.max(1, Math.ceil(input.size / cfg.partSize));
      row = { id: randomToken(16), owner_id: accountId, size: input.size, sha256, part_size: cfg.partSize, part_count: partCount, created_at: now, ...fields };
      await mkdir(this.spoolDir, { recursive: true });
      // Sparse: parts are written at their offsets; nothing is allocated until bytes arrive.
      const fh = await open(this.spoolPath(row.id), 'w');
      try {
        await fh.truncate(input.size);
      } finally {
        await fh.close();
      }
      await this.db.insertInto('media_uploads').values(row).execute();
      this.hashes.begin(row.id);
    }
    return { ...(await this.view(row)), dedup: nonce ? { nonce } : null };
  }

  /** Resume point: which parts are stored. */
  async status(accountId: number, uploadId: string): Promise<UploadView> {
    return { ...(await this.view(await this.requireUpload(accountId, uploadId))), dedup: null };
  }

  /**
   * Stores part `index` from `body`. Idempotent; the part counts only once all of its bytes (and
   * its optional SHA-256) are in, so a connection dropped mid-part leaves it missing, not broken.
   */
  async putPart(accountId: number, uploadId: string, index: number, body: Readable, opts: { contentLength?: number; sha256?: string } = {}): Promise<void> {
    const up = await this.requireUpload(accountId, uploadId);
    if (!Number.isInteger(index) || index < 0 || index >= up.part_count) throw new AppError('part_invalid', { reason: 'index out of range', partCount: up.part_count });
    const expected = index === up.part_count - 1 ? up.size - index * up.part_size : up.part_size;
    if (opts.contentLength !== undefined && opts.contentLength !== expected) throw new AppError('part_invalid', { reason: 'wrong length', expected, received: opts.contentLength });
    if (opts.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(opts.sha256)) throw new AppError('part_invalid', { reason: 'X-Part-Sha256 must be 64 hex digits' });
    const hash = opts.sha256 ? createHash('sha256') : undefined;
    let received = 0;
    // Once completion starts no byte may change: it verifies the file, then renames it into the store.
    if (this.sealed.has(up.id)) throw new AppError('upload_not_found', { reason: 'the upload is being completed' });
    const w = this.writers.get(up.id) ?? { n: 0, idle: [], bodies: new Set<Readable>() };
    this.writers.set(up.id, w);
    w.n++;
    w.bodies.add(body);
    this.hashes.writing(up.id, index);
    let stored = false;
    try {
      received = await writeAt(this.files, this.spoolPath(up.id), body, index * up.part_size, expected, hash ? (b) => hash.update(b) : undefined);
      if (received !== expected) throw new AppError('part_invalid', { reason: 'truncated part', expected, received });
      if (hash && hash.digest('hex') !== opts.sha256!.toLowerCase()) throw new AppError('part_invalid', { reason: 'X-Part-Sha256 does not match the part' });
      await this.db.insertInto('media_upload_parts').values({ upload_id: up.id, idx: index }).onConflict((oc) => oc.doNothing()).execute()
        // Cancelled or completed meanwhile: the foreign key is gone.
        .catch((err: unknown) => { throw new AppError('upload_not_found', undefined, { cause: err }); });
      stored = true;
    } catch (err) {
      if (err instanceof AppError) throw err;
      if ((err as { code?: string }).code === 'ENOENT') throw new AppError('upload_not_found');
      throw new AppError('part_invalid', { reason: 'the connection ended before the part did', expected, received }, { cause: err });
    } finally {
      this.hashes.written(up.id, index, stored, up.part_size, up.size);
      w.bodies.delete(body);
      if (--w.n === 0) {
        this.writers.delete(up.id);
        for (const wake of w.idle) wake();
      }
    }
  }

  /** Verifies the whole content (size and SHA-256) and stores it; a mismatch discards the upload. */
  complete(accountId: number, uploadId: string): Promise<MediaView> {
    return this.once(uploadId, async () => {
      const up = await this.requireUpload(accountId, uploadId);
      this.sealed.add(up.id);
      try {
        const w = this.writers.get(up.id);
        if (w) {
          // A part still being sent now cannot count: end it rather than wait for a stalled sender.
          for (const b of w.bodies) b.destroy();
          await new Promise<void>((resolve) => w.idle.push(resolve));
        }
        return await this.verifyAndFinish(up);
      } finally {
        this.sealed.delete(up.id);
      }
    });
  }

  private async verifyAndFinish(up: UploadRow): Promise<MediaView> {
    const have = new Set((await this.db.selectFrom('media_upload_parts').select('idx').where('upload_id', '=', up.id).execute()).map((r) => r.idx));
    const missing: number[] = [];
    for (let i = 0; i < up.part_count && missing.length < 1000; i++) if (!have.has(i)) missing.push(i);
    if (missing.length) throw new AppError('upload_incomplete', { missing, missingCount: up.part_count - have.size });
    const path = this.spoolPath(up.id);
    const running = await this.hashes.digest(up.id, up.part_count);
    let digest = running;
    let size = up.size;
    if (digest === undefined) {
      const h = createHash('sha256');
      size = await hashRange(this.files, path, 0, Number.MAX_SAFE_INTEGER, (b) => h.update(b));
      digest = h.digest('hex');
    }
    if (size !== up.size) return this.discard(up.id, new AppError('size_mismatch', { expected: up.size, received: size }));
    if (digest !== up.sha256) return this.discard(up.id, new AppError('hash_mismatch', { expected: up.sha256 }));
    return this.finish(up, { file: path });
  }

  /**
   * Dedup: finishes the upload with the stored copy when `proof` is HMAC-SHA-256(key = the nonce's
   * bytes, message = the content). The nonce is single use; knowing the hash alone cannot pass.
   */
  prove(accountId: number, uploadId: string, proof: string): Promise<MediaView> {
    return this.once(uploadId, async () => {
      const up = await this.requireUpload(accountId, uploadId);
      const now = this.clock.now();
      if (!up.nonce || (up.nonce_expires_at ?? 0) <= now) throw new AppError('proof_invalid', { reason: 'no live nonce: create the upload again' });
      const used = await this.db.updateTable('media_uploads').set({ nonce: null, nonce_expires_at: null }).where('id', '=', up.id).where('nonce', '=', up.nonce).executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) throw new AppError('proof_invalid', { reason: 'nonce already used' });
      const blob = await this.db.selectFrom('media_blobs').select('sha256').where('sha256', '=', up.sha256).where('size', '=', up.size).executeTakeFirst();
      if (!blob) throw new AppError('proof_invalid', { reason: 'upload the content instead' });
      const { digest } = await hashStream(this.store.read(up.sha256), createHmac('sha256', Buffer.from(up.nonce, 'hex')));
      const want = Buffer.from(digest, 'hex');
      const got = /^[0-9a-fA-F]{64}$/.test(proof) ? Buffer.from(proof, 'hex') : Buffer.alloc(0);
      if (got.length !== want.length || !timingSafeEqual(got, want)) throw new AppError('proof_invalid');
      return this.finish(up, { stored: up.sha256 });
    });
  }

  /** Cancels: the row, its parts and the spool file go. */
  async cancel(accountId: number, uploadId: string): Promise<void> {
    const up = await this.requireUpload(accountId, uploadId);
    await this.drop(up.id);
  }

  /** Drops uploads past their expiry (called by the collector). */
  async dropExpired(): Promise<number> {
    const rows = await this.db.selectFrom('media_uploads').select('id').where('expires_at', '<=', this.clock.now()).limit(1000).execute();
    for (const r of rows) await this.drop(r.id);
    return rows.length;
  }

  /** Stored plus pending bytes of an account. */
  async usage(accountId: number, exceptUploadId?: string): Promise<number> {
    const stored = await this.db.selectFrom('media').select((eb) => eb.fn.sum<number>('size').as('n')).where('owner_id', '=', accountId).executeTakeFirst();
    let pending = this.db.selectFrom('media_uploads').select((eb) => eb.fn.sum<number>('size').as('n')).where('owner_id', '=', accountId).where('expires_at', '>', this.clock.now());
    if (exceptUploadId) pending = pending.where('id', '!=', exceptUploadId);
    const p = await pending.executeTakeFirst();
    return Number(stored?.n ?? 0) + Number(p?.n ?? 0);
  }

  private async checkQuota(accountId: number, size: number, exceptUploadId?: string): Promise<void> {
    const used = await this.usage(accountId, exceptUploadId);
    if (used + size > this.config.quotaBytes) throw new AppError('quota_exceeded', { quotaBytes: this.config.quotaBytes, usedBytes: used });
  }

  private async finish(up: UploadRow, source: { file: string } | { stored: string }): Promise<MediaView> {
    try {
      await this.files.forget(this.spoolPath(up.id));
      const view = await finishUpload({ db: this.db, store: this.store, clock: this.clock, config: this.config }, up, source);
      await rm(this.spoolPath(up.id), { force: true });
      return view;
    } catch (err) {
      // Bad content (not an image, a bomb, a missing poster) can never succeed: nothing is kept.
      if (err instanceof AppError) return this.discard(up.id, err);
      throw err;
    }
  }

  private async discard(uploadId: string, err: AppError): Promise<never> {
    await this.drop(uploadId);
    throw err;
  }

  private async drop(uploadId: string): Promise<void> {
    this.hashes.drop(uploadId);
    await this.files.forget(this.spoolPath(uploadId));
    await this.db.deleteFrom('media_upload_parts').where('upload_id', '=', uploadId).execute();
    await this.db.deleteFrom('media_uploads').where('id', '=', uploadId).execute();
    await rm(this.spoolPath(uploadId), { force: true });
  }

  /** One completion per upload at a time: a retried `complete` joins the one in progress. */
  private once(uploadId: string, work: () => Promise<MediaView>): Promise<MediaView> {
    const running = this.finishing.get(uploadId);
    if (running) return running;
    const p = work().finally(() => this.finishing.delete(uploadId));
    this.finishing.set(uploadId, p);
    return p;
  }

  private async requireUpload(accountId: number, uploadId: string): Promise<UploadRow> {
    const row = await this.db.selectFrom('media_uploads').selectAll().where('id', '=', uploadId).executeTakeFirst();
    if (!row || row.owner_id !== accountId || row.expires_at <= this.clock.now()) throw new AppError('upload_not_found');
    return row;
  }

  private async view(row: UploadRow): Promise<Omit<UploadView, 'dedup'>> {
    const parts = await this.db.selectFrom('media_upload_parts').select('idx').where('upload_id', '=', row.id).orderBy('idx').execute();
    return { uploadId: row.id, partSize: row.part_size, partCount: row.part_count, received: parts.map((p) => p.idx), expiresAt: row.expires_at };
  }

  private spoolPath(uploadId: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(uploadId)) throw new AppError('upload_not_found');
    return join(this.spoolDir, `${uploadId}.spool`);
  }
}

/** Feeds a stream through a hash (or HMAC); returns the hex digest and the byte count. */
async function hashStream(stream: Readable, hash: { update(b: Buffer): unknown; digest(enc: 'hex'): string }): Promise<{ digest: string; size: number }> {
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { digest: hash.digest('hex'), size };
}

/** A file name to show and to offer on download: no path, no control characters, ≤ 255 chars. */
function cleanName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const base = name.replace(/^.*[\\/]/, '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base || 'file').slice(0, 255);
}
