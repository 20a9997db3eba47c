import { useEffect, useRef, useState } from 'preact/hooks';
import type { Store } from '../state/store.js';
import { mediaOf } from '../state/media.js';
import type { MediaInfo } from '../media/api.js';
import { formatBytes, formatDuration } from '../media/probe.js';
import { ImageViewer } from './image-viewer.js';
import { useStore } from './hooks.js';
import { MediaIcon } from './media-icons.js';
import './media.css';

/** The media a message carries (MessageView.media), when it carries one. */
export function messageMedia(m: object): MediaInfo | null {
  return (m as { media?: MediaInfo | null }).media ?? null;
}

/** The tiny preview as an <img> source: the server sends a data: URL or bare base64. */
export function previewSrc(preview: string | undefined): string | undefined {
  if (!preview) return undefined;
  return preview.startsWith('data:') ? preview : `data:image/jpeg;base64,${preview}`;
}

/** A signed URL for the media, minted when the component appears (undefined until then). */
function useSignedUrl(store: Store, mediaId: string, variant: 'original' | 'thumb', enabled = true): string | undefined {
  const [url, setUrl] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    void mediaOf(store).url(mediaId, variant).then((u) => live && setUrl(u)).catch(() => undefined);
    return () => { live = false; };
  }, [mediaId, variant, enabled]);
  return url;
}

/** Media inside a message bubble, by kind. */
export function MediaBlock({ media, store }: { media: MediaInfo; store: Store }) {
  switch (media.kind) {
    case 'photo': return <Photo media={media} store={store} />;
    case 'voice': return <VoicePlayer media={media} store={store} />;
    case 'video': return <VideoPlayer media={media} store={store} />;
    default: return <FileCard media={media} />;
  }
}

function boxSize(media: MediaInfo, max = 320): { width: number; height: number } {
  const w = media.width || 320, h = media.height || 240;
  const scale = Math.min(1, max / Math.max(w, h));
  return { width: Math.max(80, Math.round(w * scale)), height: Math.max(60, Math.round(h * scale)) };
}

/** A photo: the tiny blurred preview at once, the thumbnail over it when loaded; click to view. */
function Photo({ media, store }: { media: MediaInfo; store: Store }) {
  const url = useSignedUrl(store, media.id, media.hasThumb ? 'thumb' : 'original');
  const [loaded, setLoaded] = useState(false);
  const [open, setOpen] = useState(false);
  const size = boxSize(media);
  const preview = previewSrc(media.preview);
  return (
    <>
      <button class="media-photo" style={{ width: `${size.width}px`, height: `${size.height}px` }} data-testid="media-photo" data-loaded={loaded ? 'true' : 'false'}
        aria-label={`${store.t('media_photo')}: ${media.name}`} onClick={() => setOpen(true)}>
        {preview && !loaded && <img class="media-preview" src={preview} alt="" aria-hidden="true" />}
        {url && <img class={`media-thumb ${loaded ? 'loaded' : ''}`} src={url} alt={media.name} onLoad={() => setLoaded(true)} data-testid="media-thumb" />}
      </button>
      {open && <ImageViewer media={media} onClose={() => setOpen(false)} />}
    </>
  );
}

/** A voice message: play/pause, waveform that shows progress and seeks on click, time. */
function VoicePlayer({ media, store }: { media: MediaInfo; store: Store }) {
  const t = store.t.bind(store);
  const url = useSignedUrl(store, media.id, 'original');
  const playWhenReady = useRef(false);
  const audio = useRef<HTMLAudioElement>(null);
  const [playing, setPlaying] = useState(false);
  const [pos, setPos] = useState(0);
  const pendingSeek = useRef<number | undefined>(undefined);
  const duration = (media.durationMs ?? 0) / 1000;
  const bars = media.waveform?.length ? media.waveform : Array.from({ length: 40 }, () => 4);

  useEffect(() => {
    const a = audio.current;
    if (!a || !url) return;
    if (pendingSeek.current !== undefined) a.currentTime = pendingSeek.current;
    pendingSeek.current = undefined;
    if (playWhenReady.current) void a.play().catch(() => setPlaying(false));
  }, [url]);

  const toggle = () => {
    const a = audio.current;
    if (!url || !a) {
      playWhenReady.current = true;
      return;
    }
    if (a.paused) void a.play().catch(() => undefined);
    else a.pause();
  };
  const seek = (e: MouseEvent) => {
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const at = Math.max(0, Math.min(1, (e.clientX - box.left) / box.width)) * duration;
    setPos(at);
    if (audio.current && url) {
      audio.current.currentTime = at;
      if (audio.current.paused) void audio.current.play().catch(() => undefined);
    } else {
      pendingSeek.current = at;
      playWhenReady.current = true;
    }
  };
  const frac = duration ? Math.min(1, pos / duration) : 0;
  return (
    <div class="media-voice" data-testid="media-voice" data-playing={playing ? 'true' : 'false'}>
      <button class="voice-play" onClick={toggle} aria-label={playing ? t('media_pause') : t('media_play')} data-testid="voice-play"><MediaIcon name={playing ? 'pause' : 'play'} size={20} /></button>
      <div class="voice-body">
        <div class="voice-wave" onClick={seek} role="slider" aria-label={t('media_voice')} aria-valuemin={0} aria-valuemax={Math.round(duration)} aria-valuenow={Math.round(pos)} tabIndex={0} data-testid="voice-wave"
          onKeyDown={(e) => { if (audio.current && (e.key === 'ArrowRight' || e.key === 'ArrowLeft')) audio.current.currentTime += e.key === 'ArrowRight' ? 2 : -2; }}>
          {bars.map((v, i) => <span key={i} class={i / bars.length < frac ? 'on' : ''} style={{ height: `${Math.max(2, (v / 31) * 24)}px` }} />)}
        </div>
        <small class="muted" data-testid="voice-time">{formatDuration((playing || pos ? pos : duration) * 1000)}</small>
      </div>
      {url && <audio ref={audio} src={url} preload="auto" data-testid="voice-audio"
        onPlay={(e) => { setPlaying(true); pauseOthers(e.currentTarget as HTMLMediaElement); }} onPause={() => setPlaying(false)} onEnded={() => { setPlaying(false); setPos(0); }}
        onTimeUpdate={(e) => setPos((e.currentTarget as HTMLAudioElement).currentTime)} />}
    </div>
  );
}

/** One voice message at a time: starting one pauses any other audio or video on the page. */
function pauseOthers(el: HTMLMediaElement): void {
  for (const other of document.querySelectorAll<HTMLMediaElement>('audio, video')) if (other !== el && !other.paused) other.pause();
}

/** A video: poster (thumbnail) at once, the browser streams it by Range requests and can seek. */
function VideoPlayer({ media, store }: { media: MediaInfo; store: Store }) {
  const poster = useSignedUrl(store, media.id, 'thumb', media.hasThumb);
  const url = useSignedUrl(store, media.id, 'original');
  const size = boxSize(media, 360);
  const posterSrc = poster ?? previewSrc(media.preview);
  return (
    <div class="media-video" style={{ width: `${size.width}px` }} data-testid="media-video">
      {url
        ? <video src={url} controls preload="metadata" playsInline onPlay={(e) => pauseOthers(e.currentTarget as HTMLMediaElement)} poster={posterSrc} style={{ width: '100%', height: `${size.height}px` }} data-testid="video-element" />
        : posterSrc && <img src={posterSrc} alt="" style={{ width: '100%', height: `${size.height}px` }} />}
      {media.durationMs ? <small class="media-badge">{formatDuration(media.durationMs)}</small> : null}
    </div>
  );
}

/** A file: name, size, download with progress and cancel. */
function FileCard({ media }: { media: MediaInfo }) {
  // Its own subscription: the message list does not re-render rows for download progress.
  const store = useStore();
  const t = store.t.bind(store);
  const m = mediaOf(store);
  const d = m.downloads.get(media.id);
  const thumb = useSignedUrl(store, media.id, 'thumb', media.hasThumb);
  return (
    <div class="media-file" data-testid="media-file">
      {thumb ? <img class="file-thumb" src={thumb} alt="" /> : <span class="file-icon" aria-hidden="true">{(media.name.split('.').pop() ?? '').slice(0, 4).toUpperCase() || 'FILE'}</span>}
      <div class="file-body">
        <strong class="file-name" title={media.name}>{media.name}</strong>
        {d
          ? <div class="progress" role="progressbar" aria-label={t('media_downloading')} aria-valuenow={Math.round((100 * d.done) / (d.total || 1))} data-testid="download-progress">
              <span style={{ width: `${(100 * d.done) / (d.total || 1)}%` }} />
            </div>
          : <small class="muted">{formatBytes(media.size)}</small>}
      </div>
      {d
        ? <button class="icon-btn" aria-label={store.t('cancel')} onClick={() => d.ctrl.abort()} data-testid="download-cancel"><MediaIcon name="close" /></button>
        : <button class="icon-btn" aria-label={t('media_download')} onClick={() => void m.download(media)} data-testid="file-download"><MediaIcon name="download" /></button>}
    </div>
  );
}

/** One line for the chat list: the caption, else what the media is (a file by its name). */
export function messageSummary(store: Store, m: { text: string }): string {
  const media = messageMedia(m);
  if (!media || m.text) return m.text;
  return media.kind === 'file' ? media.name : store.t(media.kind === 'photo' ? 'media_photo' : media.kind === 'voice' ? 'media_voice' : 'media_video');
}
