import './errors.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Selectable } from 'kysely';
import { AppError } from '../kernel/errors.js';
import { randomToken } from '../kernel/ids.js';
import type { Clock } from '../kernel/clock.js';
import type { Config } from '../kernel/config.js';
import type { Db } from '../storage/database.js';
import type { MediaTable, MediaUploadsTable } from '../storage/schema.js';
import type { MediaView, UploadDescription } from '../protocol/views.js';
import type { ContentStore } from './store.js';
import { compressPhoto, makePreview, makeThumbnail, probeImage } from './images.js';
import { mediaView } from './views.js';

export type UploadRow = Selectable<MediaUploadsTable>;

/** What the client declared when it started the upload (kept as JSON on the upload row). */
export type UploadParams = UploadDescription;

interface Deps {
  db: Db;
  store: ContentStore;
  clock: Clock;
  config: Readonly<Config['media']>;
}

/**
 * Turns verified content into a media record: photos are decoded (bomb-checked), optionally
 * re-encoded, and get a thumbnail and a tiny preview; videos borrow them from their poster photo.
 * Blobs are written before the rows that name them, so a crash leaves only unreferenced blobs,
 * which the collector removes; never a row without its bytes.
 */
export async function finishUpload(deps: Deps, up: UploadRow, source: { file: string } | { stored: string }): Promise<MediaView> {
  const { db, store, config } = deps;
  const p = JSON.parse(up.params) as UploadParams;
  const row: Selectable<MediaTable> = {
    id: randomToken(16), owner_id: up.owner_id, kind: p.kind, mime: p.mime, name: p.name, size: up.size, sha256: up.sha256,
    thumb_sha256: null, width: p.width ?? null, height: p.height ?? null, duration_ms: p.durationMs ?? null,
    waveform: p.kind === 'voice' && p.waveform ? JSON.stringify(p.waveform) : null, preview: null, created_at: deps.clock.now(),
  };
  let content: Buffer | undefined;
  let thumb: Buffer | undefined;

  if (p.kind === 'photo') {
    const original = 'file' in source ? await readFile(source.file) : await readAll(store.read(source.stored));
    const info = await probeImage(original, config.maxImagePixels);
    Object.assign(row, { mime: info.mime, width: info.width, height: info.height });
    if (p.compress) {
      const c = await compressPhoto(original, config.compressMaxSide, config.maxImagePixels);
      content = c.data;
      Object.assign(row, { mime: 'image/jpeg', width: c.width, height: c.height, size: c.data.length, sha256: sha256(c.data) });
      if (!/\.jpe?g$/i.test(row.name)) row.name = `${row.name.replace(/\.[^.]*$/, '')}.jpg`;
    }
    thumb = await makeThumbnail(content ?? original, config.thumbSize, config.maxImagePixels);
    row.preview = await makePreview(thumb, config.maxImagePixels);
  } else if (p.kind === 'video' && p.posterUploadMediaId) {
    const poster = await db.selectFrom('media').selectAll().where('id', '=', p.posterUploadMediaId).where('owner_id', '=', up.owner_id).where('kind', '=', 'photo').executeTakeFirst();
    if (!poster) throw new AppError('media_not_found', { reason: 'posterUploadMediaId must be a photo you uploaded' });
    row.thumb_sha256 = poster.thumb_sha256;
    row.preview = poster.preview;
    row.width ??= poster.width;
    row.height ??= poster.height;
  }

  if (content) await store.putBuffer(row.sha256, content);
  else if ('file' in source) await store.putFile(row.sha256, source.file);
  if (thumb) {
    row.thumb_sha256 = sha256(thumb);
    await store.putBuffer(row.thumb_sha256, thumb);
  }
  const now = deps.clock.now();
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('media_blobs').values({ sha256: row.sha256, size: row.size, created_at: now }).onConflict((oc) => oc.doNothing()).execute();
    if (thumb && row.thumb_sha256) await tx.insertInto('media_blobs').values({ sha256: row.thumb_sha256, size: thumb.length, created_at: now }).onConflict((oc) => oc.doNothing()).execute();
    await tx.insertInto('media').values(row).execute();
    await tx.deleteFrom('media_upload_parts').where('upload_id', '=', up.id).execute();
    await tx.deleteFrom('media_uploads').where('id', '=', up.id).execute();
  });
  return mediaView(row);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
