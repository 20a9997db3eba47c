import type { MediaKind } from './api.js';

/** Formats the server re-encodes and thumbnails as photos; anything else image-like goes as a file. */
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);

/** What a picked file becomes by default. */
export function kindOf(file: Blob): MediaKind {
  if (PHOTO_TYPES.has(file.type)) return 'photo';
  if (file.type.startsWith('video/')) return 'video';
  return 'file';
}

export async function imageSize(file: Blob): Promise<{ width: number; height: number } | undefined> {
  try {
    const bmp = await createImageBitmap(file);
    const size = { width: bmp.width, height: bmp.height };
    bmp.close();
    return size;
  } catch {
    return undefined;
  }
}

export interface VideoProbe {
  width: number;
  height: number;
  durationMs: number;
  /** A JPEG of a frame near the start, sent first as a photo and named as the video's poster. */
  poster: Blob | undefined;
}

/** Size, duration and a poster frame of a video file, read by a hidden <video> and a canvas. */
export async function probeVideo(file: Blob): Promise<VideoProbe | undefined> {
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.playsInline = true;
  try {
    await withTimeout(new Promise<void>((resolve, reject) => {
      video.onloadeddata = () => resolve();
      video.onerror = () => reject(new Error('cannot decode video'));
      video.src = url;
    }), 10000);
    const durationMs = Number.isFinite(video.duration) ? Math.round(video.duration * 1000) : 0;
    // A frame a little in: the very first one is often black.
    const at = Math.min(1, (video.duration || 0) / 10);
    if (at > 0) {
      await withTimeout(new Promise<void>((resolve) => {
        video.onseeked = () => resolve();
        video.currentTime = at;
      }), 5000).catch(() => undefined);
    }
    const width = video.videoWidth, height = video.videoHeight;
    let poster: Blob | undefined;
    if (width && height) {
      const scale = Math.min(1, 1280 / Math.max(width, height));
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      canvas.getContext('2d')?.drawImage(video, 0, 0, canvas.width, canvas.height);
      poster = await new Promise<Blob | undefined>((r) => canvas.toBlob((b) => r(b ?? undefined), 'image/jpeg', 0.85));
    }
    return { width, height, durationMs, poster };
  } catch {
    return undefined;
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}

/** "1.2 MB" style sizes. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** "0:07" style durations. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
