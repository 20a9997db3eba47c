import { createHash, randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { TestServer } from '../helpers/server.js';

/** Test fixtures for the media suites (issue 7). */

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Incompressible bytes, so sizes on the wire are what they seem. */
export const noise = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** A JPEG photo with some structure (gradient + noise) of the given size. */
export async function photo(width = 1200, height = 800): Promise<Uint8Array> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const i = (y * width + x) * 3;
    raw[i] = (x * 255) / width;
    raw[i + 1] = (y * 255) / height;
    raw[i + 2] = (x ^ y) & 0xff;
  }
  return new Uint8Array(await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer());
}

/**
 * A decompression bomb: a valid PNG whose header declares `side` × `side` grey pixels while the
 * file is a few hundred bytes (every row is the same zero filter byte + zeros, deflated).
 */
export function pngBomb(side = 60000): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const idat = deflateSync(Buffer.alloc(side + 1), { level: 9 });
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]));
}

/** Files in the server's media folder (blobs and upload spool), to prove nothing half-stored stays. */
export function mediaFiles(t: TestServer): { blobs: number; spool: number } {
  const dir = t.server.services.media.dir;
  const count = (d: string): number => (existsSync(d) ? readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 0);
  return { blobs: count(join(dir, 'blobs')), spool: count(join(dir, 'uploads')) };
}

/** Row counts of the media tables. */
export async function mediaRows(t: TestServer): Promise<{ blobs: number; media: number; uploads: number; parts: number }> {
  const db = t.server.services.database.db;
  const n = async (table: 'media_blobs' | 'media' | 'media_uploads' | 'media_upload_parts') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { blobs: await n('media_blobs'), media: await n('media'), uploads: await n('media_uploads'), parts: await n('media_upload_parts') };
}

/** PUT of raw bytes to a part, bypassing the SDK (to send wrong things on purpose). */
export async function putPart(t: TestServer, token: string, uploadId: string, index: number | string, body: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; code?: string; data?: Record<string, unknown> }> {
  const res = await fetch(`${t.url}/api/v1/media/uploads/${uploadId}/parts/${index}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', ...headers }, body });
  const text = await res.text();
  const err = text ? (JSON.parse(text) as { error?: { code: string; data?: Record<string, unknown> } }).error : undefined;
  return { status: res.status, ...(err ? { code: err.code, ...(err.data ? { data: err.data } : {}) } : {}) };
}
