import sharp, { type Metadata } from 'sharp';
import { AppError } from '../kernel/errors.js';
import './errors.js';

/** Formats accepted as photos. SVG is not: it is a document that can carry script, not a picture. */
const PHOTO_FORMATS: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', avif: 'image/avif' };

/** Largest tiny preview, in image bytes (issue 7: it travels inside the message update). */
export const PREVIEW_MAX_BYTES = 1024;

export interface ImageInfo {
  mime: string;
  width: number;
  height: number;
}

// Work on one image at a time per call; libvips' own thread pool still uses the cores.
sharp.concurrency(2);
sharp.cache(false);

/**
 * Reads only the header and refuses decompression bombs before decoding: a 100 KB PNG can declare
 * 50 000 × 50 000 pixels. `limitInputPixels` backs this up during decoding.
 */
export async function probeImage(input: Buffer, maxPixels: number): Promise<ImageInfo> {
  let meta: Metadata;
  try {
    // Header only: the pixel count is checked below, with the numbers in the error.
    meta = await sharp(input, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (err) {
    if (/pixel limit/i.test(err instanceof Error ? err.message : '')) throw new AppError('image_too_large', { maxPixels }, { cause: err });
    throw new AppError('unsupported_media', { reason: 'not a readable image' }, { cause: err });
  }
  const mime = meta.format ? PHOTO_FORMATS[meta.format] : undefined;
  if (!mime || !meta.width || !meta.height) throw new AppError('unsupported_media', { reason: `format ${meta.format ?? 'unknown'} is not accepted for photos`, accepted: Object.values(PHOTO_FORMATS) });
  // Animated images decode every page: count them all.
  const pixels = meta.width * (meta.pageHeight && meta.pages ? meta.pageHeight * meta.pages : meta.height);
  if (pixels > maxPixels) throw new AppError('image_too_large', { maxPixels, pixels });
  // EXIF orientations 5–8 swap width and height on display.
  const swap = (meta.orientation ?? 1) >= 5;
  return { mime, width: swap ? meta.height : meta.width, height: swap ? meta.width : meta.height };
}

/** "Compressed" photo: upright, longest side at most `maxSide`, JPEG q82, metadata (EXIF GPS) dropped. */
export async function compressPhoto(input: Buffer, maxSide: number, maxPixels: number): Promise<{ data: Buffer; width: number; height: number }> {
  return guard(async () => {
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels })
      .autoOrient()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 82, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  });
}

/** Thumbnail: upright WebP whose longest side is `size`. */
export async function makeThumbnail(input: Buffer, size: number, maxPixels: number): Promise<Buffer> {
  return guard(() =>
    sharp(input, { limitInputPixels: maxPixels })
      .autoOrient()
      .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 72 })
      .toBuffer(),
  );
}

/**
 * Tiny blurred preview as a `data:` URL, at most PREVIEW_MAX_BYTES of image: the chat paints it at
 * once (stretched and blurred by the client) while the thumbnail loads.
 */
export async function makePreview(input: Buffer, maxPixels: number): Promise<string> {
  return guard(async () => {
    for (const [side, quality] of [[24, 50], [20, 40], [16, 30], [12, 25]] as const) {
      const data = await sharp(input, { limitInputPixels: maxPixels })
        .autoOrient()
        .resize({ width: side, height: side, fit: 'inside' })
        .blur(0.6)
        .webp({ quality, smartSubsample: true })
        .toBuffer();
      if (data.length <= PREVIEW_MAX_BYTES) return `data:image/webp;base64,${data.toString('base64')}`;
    }
    throw new AppError('unsupported_media', { reason: 'no preview could be made' });
  });
}

/** Maps libvips failures while decoding to clear errors (pixel limit, corrupt data). */
async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError) throw err;
    const text = err instanceof Error ? err.message : '';
    if (/pixel limit/i.test(text)) throw new AppError('image_too_large', {}, { cause: err });
    throw new AppError('unsupported_media', { reason: 'the image could not be decoded' }, { cause: err });
  }
}
