import { useEffect, useState } from 'preact/hooks';
import { mediaOf } from '../state/media.js';
import type { MediaInfo } from '../media/api.js';
import { formatBytes } from '../media/probe.js';
import { MediaIcon } from './media-icons.js';
import { useStore } from './hooks.js';

/**
 * Full-screen photo viewer: the thumbnail (already cached) at once, the original over it when it
 * has loaded; click to zoom to 100 %, Escape or the backdrop closes, a button downloads.
 */
export function ImageViewer({ media, onClose }: { media: MediaInfo; onClose(): void }) {
  const store = useStore();
  const m = mediaOf(store);
  const [thumb, setThumb] = useState<string | undefined>(undefined);
  const [full, setFull] = useState<string | undefined>(undefined);
  const [loaded, setLoaded] = useState(false);
  const [zoom, setZoom] = useState(false);
  useEffect(() => {
    let live = true;
    if (media.hasThumb) void m.url(media.id, 'thumb').then((u) => live && setThumb(u)).catch(() => undefined);
    void m.url(media.id, 'original').then((u) => live && setFull(u)).catch(() => undefined);
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => { live = false; window.removeEventListener('keydown', onKey); };
  }, [media.id]);
  const d = m.downloads.get(media.id);
  return (
    <div class="viewer" role="dialog" aria-modal="true" aria-label={store.t('media_viewer')} data-testid="image-viewer" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <header class="viewer-head">
        <span class="viewer-name">{media.name} · {formatBytes(media.size)}{media.width ? ` · ${media.width}×${media.height}` : ''}</span>
        <button class="icon-btn" aria-label={store.t('media_download')} onClick={() => void m.download(media)} disabled={!!d} data-testid="viewer-download"><MediaIcon name="download" /></button>
        <button class="icon-btn" aria-label={store.t('close')} onClick={onClose} data-testid="viewer-close"><MediaIcon name="close" /></button>
      </header>
      <div class={`viewer-stage ${zoom ? 'zoom' : ''}`} onClick={(e) => e.target === e.currentTarget && onClose()}>
        {thumb && !loaded && <img class="viewer-img blur" src={thumb} alt="" aria-hidden="true" />}
        {full && <img class={`viewer-img ${loaded ? '' : 'hidden'}`} src={full} alt={media.name} onLoad={() => setLoaded(true)} onClick={() => setZoom(!zoom)} data-testid="viewer-image" data-loaded={loaded ? 'true' : 'false'} />}
      </div>
    </div>
  );
}
