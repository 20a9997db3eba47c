import { ApiError, type ParleyClient } from '../../../src/client/index.js';
import type { MediaKind, MediaView, UploadDescription } from '../../../src/protocol/views.js';

/** What the server tells about a stored file (src/protocol/views.ts MediaView). */
export type MediaInfo = MediaView;
export type { MediaKind };

export interface UploadStart extends UploadDescription {
  size: number;
  sha256: string;
}

export interface UploadState {
  uploadId: string;
  partSize: number;
  partCount: number;
  received: number[];
  dedup?: { nonce: string } | null;
}

/**
 * The media part API with this device's session: JSON calls through the SDK; part PUTs over
 * XMLHttpRequest because only it reports upload progress byte by byte (fetch does not).
 */
export class MediaApi {
  constructor(private readonly client: ParleyClient) {}

  private url(path: string): string {
    return `${this.client.baseUrl.replace(/\/$/, '')}/api/v1${path}`;
  }

  create(p: UploadStart): Promise<UploadState> {
    return this.client.call('media.createUpload', { ...p });
  }

  status(uploadId: string): Promise<UploadState & { expiresAt: number }> {
    return this.client.call('media.uploadStatus', { uploadId });
  }

  proof(uploadId: string, proof: string): Promise<MediaInfo> {
    return this.client.call('media.prove', { uploadId, proof });
  }

  complete(uploadId: string): Promise<MediaInfo> {
    return this.client.call('media.complete', { uploadId });
  }

  cancel(uploadId: string): Promise<unknown> {
    return this.client.cancelUpload(uploadId);
  }

  /** A signed, expiring URL usable in <img>/<audio>/<video> without headers. */
  signedUrl(mediaId: string, variant: 'original' | 'thumb' = 'original'): Promise<{ url: string; expiresAt: number }> {
    return this.client.mediaUrl(mediaId, variant);
  }

  /** Sends one part; `onProgress` gets the bytes of this part sent so far. */
  putPart(uploadId: string, index: number, body: Blob, opts: { sha256?: string; signal: AbortSignal; onProgress(sent: number): void }): Promise<void> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', this.url(`/media/uploads/${encodeURIComponent(uploadId)}/parts/${index}`));
      if (this.client.token) xhr.setRequestHeader('authorization', `Bearer ${this.client.token}`);
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      if (opts.sha256) xhr.setRequestHeader('x-part-sha256', opts.sha256);
      xhr.upload.onprogress = (e) => opts.onProgress(e.loaded);
      const onAbort = () => xhr.abort();
      opts.signal.addEventListener('abort', onAbort, { once: true });
      const done = (fn: () => void) => {
        opts.signal.removeEventListener('abort', onAbort);
        fn();
      };
      xhr.onload = () => done(() => {
        if (xhr.status >= 200 && xhr.status < 300) return resolve();
        let e: { code?: string; message?: string; data?: Record<string, unknown> } | undefined;
        try {
          e = (JSON.parse(xhr.responseText) as { error?: typeof e }).error;
        } catch {
          e = undefined;
        }
        reject(new ApiError(e?.code ?? 'unknown', e?.message ?? `part ${index}: HTTP ${xhr.status}`, xhr.status, e?.data));
      });
      xhr.onerror = () => done(() => reject(new TypeError('network error')));
      xhr.onabort = () => done(() => reject(new DOMException('aborted', 'AbortError')));
      xhr.send(body);
    });
  }
}
