import { ApiError, randomId } from '../../../src/client/index.js';
import type { MessageView } from '../../../src/protocol/views.js';
import type { Store } from './store.js';
import { MediaApi, type MediaInfo, type MediaKind, type UploadStart } from '../media/api.js';
import { UploadTask } from '../media/upload.js';
import { deletePending, KEEP_BLOB_LIMIT, listPending, savePending, type PendingRecord } from '../media/pending-db.js';
import { imageSize, kindOf, probeVideo } from '../media/probe.js';
import type { VoiceClip } from '../media/recorder.js';

export interface SendOptions {
  caption?: string;
  /** Photos: re-encoded and resized by the server (true) or kept as the original file (false). */
  compress?: boolean;
}

export interface Download {
  done: number;
  total: number;
  ctrl: AbortController;
}

/**
 * Media state of the web client, beside the Store (which it only reads and notifies): uploads in
 * progress per chat, their sending as messages, signed download URLs and file downloads.
 */
export class MediaState {
  readonly api: MediaApi;
  uploads: UploadTask[] = [];
  downloads = new Map<string, Download>();
  private urls = new Map<string, { url: string; expiresAt: number }>();
  private urlWaits = new Map<string, Promise<string>>();
  private restoredFor: number | undefined;

  constructor(private readonly store: Store) {
    this.api = new MediaApi(store.client);
  }

  private changed = () => this.store.emit();

  inChat(chatId: number): UploadTask[] {
    const me = this.store.me?.id;
    return this.uploads.filter((u) => u.rec.chatId === chatId && u.rec.accountId === me && u.phase !== 'done' && u.phase !== 'canceled');
  }

  /** After a reload: uploads left unfinished come back (running again when their bytes were kept). */
  async restore(): Promise<void> {
    const me = this.store.me?.id;
    if (!me || this.restoredFor === me) return;
    this.restoredFor = me;
    for (const rec of await listPending(me)) {
      if (this.uploads.some((u) => u.rec.key === rec.key)) continue;
      const task = new UploadTask(this.api, rec, rec.blob, this.changed);
      this.uploads.push(task);
      if (rec.blob) void this.finish(task);
    }
    this.changed();
  }

  /** After a reload, the user picks the file again: the upload resumes where the server left it. */
  async resumeWith(task: UploadTask, file: File): Promise<void> {
    if (await task.provideFile(file)) void this.finish(task);
    else this.store.showToast(this.store.t('media_notSameFile'));
  }

  cancel(task: UploadTask): void {
    task.cancel();
    this.uploads = this.uploads.filter((u) => u !== task);
    this.changed();
  }

  async sendFiles(chatId: number, files: File[], opts: SendOptions = {}): Promise<void> {
    for (const [i, file] of files.entries()) {
      const kind = kindOf(file);
      const caption = i === files.length - 1 ? opts.caption ?? '' : '';
      const start: Omit<UploadStart, 'sha256'> = { size: file.size, mime: file.type || 'application/octet-stream', name: file.name || 'file', kind };
      if (kind === 'photo') {
        Object.assign(start, { compress: opts.compress !== false }, await imageSize(file));
      } else if (kind === 'video') {
        const v = await probeVideo(file);
        if (v) {
          Object.assign(start, { width: v.width, height: v.height, durationMs: v.durationMs });
          // The poster frame goes up first, as a photo; the video then names it.
          if (v.poster) {
            const poster = await this.upload(chatId, v.poster, { size: v.poster.size, mime: 'image/jpeg', name: 'poster.jpg', kind: 'photo', compress: true }, '', false).catch(() => undefined);
            if (poster) start.posterUploadMediaId = poster.id;
          }
        }
      }
      void this.upload(chatId, file, start, caption, true).catch(() => undefined);
    }
  }

  sendVoice(chatId: number, clip: VoiceClip): Promise<MediaInfo> {
    const ext = clip.mime.includes('ogg') ? 'ogg' : clip.mime.includes('mp4') ? 'm4a' : 'webm';
    return this.upload(chatId, clip.blob, { size: clip.blob.size, mime: clip.mime, name: `voice.${ext}`, kind: 'voice', durationMs: clip.durationMs, waveform: clip.waveform }, '', true);
  }

  private async upload(chatId: number, blob: Blob, start: Omit<UploadStart, 'sha256'>, caption: string, asMessage: boolean): Promise<MediaInfo> {
    const rec: PendingRecord = {
      key: randomId(), accountId: this.store.me?.id ?? 0, chatId, caption, randomId: randomId(), kind: start.kind as MediaKind,
      name: start.name, size: blob.size, mime: start.mime, start, createdAt: Date.now(), ...(blob.size <= KEEP_BLOB_LIMIT ? { blob } : {}),
    };
    const task = new UploadTask(this.api, rec, blob, this.changed, asMessage);
    if (!asMessage) return task.run();
    await savePending(rec);
    this.uploads.push(task);
    this.changed();
    return this.finish(task);
  }

  /** Uploads, then sends the message carrying the media (same random id on every retry). */
  private async finish(task: UploadTask): Promise<MediaInfo> {
    try {
      const media = await task.run();
      await this.sendMessage(task, media);
      return media;
    } catch (err) {
      if (task.phase !== 'canceled') this.store.showToast(this.errorText(err));
      throw err;
    }
  }

  private async sendMessage(task: UploadTask, media: MediaInfo): Promise<void> {
    const { chatId, caption, randomId: rid, key } = task.rec;
    for (let attempt = 0; ; attempt++) {
      try {
        const m = await this.store.client.call<MessageView>('messages.send', { chatId, text: caption, randomId: rid, mediaId: media.id });
        this.store.mergeMessages(chatId, [m]);
        break;
      } catch (err) {
        if (!(err instanceof TypeError) || attempt > 20) {
          task.phase = 'failed';
          task.error = err;
          this.changed();
          throw err;
        }
        await new Promise((r) => setTimeout(r, Math.min(10000, 500 * 2 ** attempt)));
      }
    }
    await deletePending(key);
    this.uploads = this.uploads.filter((u) => u !== task);
    this.changed();
  }

  errorText(err: unknown): string {
    if (err instanceof ApiError) {
      const key = `err_${err.code}` as Parameters<Store['t']>[0];
      const known = this.store.t(key);
      return known !== key ? known : err.message.replace(/^[a-z_]+: /, '');
    }
    return this.store.t('err_network');
  }

  /** A signed URL for a media variant, minted once and reused until shortly before it expires. */
  url(mediaId: string, variant: 'original' | 'thumb' = 'original'): Promise<string> {
    const key = `${mediaId}:${variant}`;
    const have = this.urls.get(key);
    if (have && have.expiresAt - 30000 > Date.now()) return Promise.resolve(have.url);
    let wait = this.urlWaits.get(key);
    if (!wait) {
      wait = this.api.signedUrl(mediaId, variant).then((r) => {
        const url = new URL(r.url, this.store.baseUrl).toString();
        this.urls.set(key, { url, expiresAt: r.expiresAt });
        return url;
      }).finally(() => this.urlWaits.delete(key));
      this.urlWaits.set(key, wait);
    }
    return wait;
  }

  /** Downloads a file with progress (cancellable) and hands it to the browser's save dialog. */
  async download(media: MediaInfo): Promise<void> {
    if (this.downloads.has(media.id)) return;
    const ctrl = new AbortController();
    const d: Download = { done: 0, total: media.size, ctrl };
    this.downloads.set(media.id, d);
    this.changed();
    try {
      const res = await fetch(await this.url(media.id), { signal: ctrl.signal });
      if (!res.ok || !res.body) throw new ApiError('media_not_found', `HTTP ${res.status}`, res.status);
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        d.done += value.length;
        this.changed();
      }
      const href = URL.createObjectURL(new Blob(chunks as BlobPart[], { type: media.mime }));
      const a = document.createElement('a');
      a.href = href;
      a.download = media.name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(href), 60000);
    } catch (err) {
      if (!ctrl.signal.aborted) this.store.showToast(this.errorText(err));
    } finally {
      this.downloads.delete(media.id);
      this.changed();
    }
  }
}

const states = new WeakMap<Store, MediaState>();

/** The media state that goes with `store` (created on first use). */
export function mediaOf(store: Store): MediaState {
  let m = states.get(store);
  if (!m) states.set(store, (m = new MediaState(store)));
  return m;
}
