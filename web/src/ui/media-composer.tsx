import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Store } from '../state/store.js';
import { mediaOf } from '../state/media.js';
import { VoiceRecorder, voiceMime } from '../media/recorder.js';
import { formatBytes, formatDuration, kindOf } from '../media/probe.js';
import type { UploadTask } from '../media/upload.js';
import { Modal } from './modal.js';
import { MediaIcon } from './media-icons.js';
import './media.css';

/** Paper-clip button with a hidden multi-file input. */
export function AttachButton({ store, onFiles }: { store: Store; onFiles(files: File[]): void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" class="icon-btn attach" aria-label={store.t('media_attach')} onClick={() => input.current?.click()} data-testid="attach-button"><MediaIcon name="clip" /></button>
      <input ref={input} type="file" multiple hidden data-testid="attach-input"
        onChange={(e) => {
          const el = e.currentTarget;
          const files = [...(el.files ?? [])];
          el.value = '';
          if (files.length) onFiles(files);
        }} />
    </>
  );
}

/** Files dropped or pasted anywhere in `el`'s conversation; `active` is true while dragging over. */
export function useFileDrop(onFiles: (files: File[]) => void): { active: boolean; handlers: Record<string, (e: DragEvent) => void> } {
  const [active, setActive] = useState(false);
  const depth = useRef(0);
  const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');
  return {
    active,
    handlers: {
      onDragEnter: (e) => { if (!hasFiles(e)) return; e.preventDefault(); depth.current++; setActive(true); },
      onDragOver: (e) => { if (hasFiles(e)) e.preventDefault(); },
      onDragLeave: () => { depth.current = Math.max(0, depth.current - 1); if (!depth.current) setActive(false); },
      onDrop: (e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        depth.current = 0;
        setActive(false);
        const files = [...(e.dataTransfer?.files ?? [])];
        if (files.length) onFiles(files);
      },
    },
  };
}

/** Files from a paste event (screenshots, copied files); empty when the paste is text. */
export function pastedFiles(e: ClipboardEvent): File[] {
  return [...(e.clipboardData?.files ?? [])];
}

/** Confirms files before sending: previews, "compress photos" or original, caption. */
export function SendMediaDialog({ store, chatId, files, onClose }: { store: Store; chatId: number; files: File[]; onClose(): void }) {
  const t = store.t.bind(store);
  const [compress, setCompress] = useState(true);
  const [caption, setCaption] = useState('');
  const urls = useMemo(() => files.map((f) => (kindOf(f) === 'photo' ? URL.createObjectURL(f) : undefined)), [files]);
  useEffect(() => () => { for (const u of urls) if (u) URL.revokeObjectURL(u); }, [urls]);
  const hasPhoto = files.some((f) => kindOf(f) === 'photo');
  const send = () => {
    void mediaOf(store).sendFiles(chatId, files, { compress, caption: caption.trim() });
    onClose();
  };
  return (
    <Modal title={t('media_sendTitle')} onClose={onClose} testid="send-media-dialog">
      <form class="form" onSubmit={(e) => { e.preventDefault(); send(); }}>
        <ul class="send-files">
          {files.map((f, i) => (
            <li key={i}>
              {urls[i] ? <img src={urls[i]} alt="" /> : <span class="file-icon" aria-hidden="true">{(f.name.split('.').pop() ?? '').slice(0, 4).toUpperCase()}</span>}
              <span class="file-name">{f.name}</span> <small class="muted">{formatBytes(f.size)}</small>
            </li>
          ))}
        </ul>
        {hasPhoto && (
          <label class="check">
            <input type="checkbox" checked={compress} onChange={(e) => setCompress(e.currentTarget.checked)} data-testid="media-compress" />
            <span>{t('media_compress')}<br /><small class="muted">{t('media_compressHelp')}</small></span>
          </label>
        )}
        <input placeholder={t('media_caption')} aria-label={t('media_caption')} value={caption} onInput={(e) => setCaption(e.currentTarget.value)} data-testid="media-caption" />
        <button class="primary" type="submit" data-testid="media-send">{t('send')}</button>
      </form>
    </Modal>
  );
}

/** Uploads of this chat: phase, progress bar, cancel; after a reload, "choose the file" to resume. */
export function UploadList({ store, chatId }: { store: Store; chatId: number }) {
  const m = mediaOf(store);
  useEffect(() => void m.restore(), [store.me?.id]);
  const tasks = m.inChat(chatId);
  if (!tasks.length) return null;
  return <ul class="uploads" data-testid="uploads">{tasks.map((task) => <UploadRow key={task.rec.key} task={task} store={store} />)}</ul>;
}

function UploadRow({ task, store }: { task: UploadTask; store: Store }) {
  const t = store.t.bind(store);
  const m = mediaOf(store);
  const pct = Math.round(task.progress * 100);
  const label = task.phase === 'hashing' ? t('media_hashing') : task.phase === 'uploading' ? `${t('media_uploading')} ${pct}%`
    : task.phase === 'finishing' ? t('media_finishing') : task.phase === 'retrying' ? t('media_retrying')
      : task.phase === 'needs-file' ? t('media_needsFile') : task.phase === 'failed' ? `${t('media_failed')}: ${m.errorText(task.error)}` : '';
  return (
    <li class={`upload ${task.phase}`} data-testid="upload-row" data-phase={task.phase}>
      <div class="upload-body">
        <span class="file-name">{task.rec.kind === 'voice' ? t('media_voice') : task.rec.name} <small class="muted">{formatBytes(task.rec.size)}</small></span>
        <div class="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} data-testid="upload-progress">
          <span style={{ width: `${pct}%` }} />
        </div>
        <small class="muted" data-testid="upload-status">{label}</small>
      </div>
      {task.phase === 'needs-file' && (
        <label class="button small">
          {t('media_pickAgain')}
          <input type="file" hidden data-testid="upload-repick" onChange={(e) => { const f = e.currentTarget.files?.[0]; if (f) void m.resumeWith(task, f); }} />
        </label>
      )}
      <button class="icon-btn" aria-label={t('cancel')} onClick={() => m.cancel(task)} data-testid="upload-cancel"><MediaIcon name="close" size={18} /></button>
    </li>
  );
}

/** Microphone button; while recording it becomes a bar with the time, the level, cancel and send. */
export function VoiceButton({ store, chatId }: { store: Store; chatId: number }) {
  const t = store.t.bind(store);
  const [rec, setRec] = useState<VoiceRecorder | null>(null);
  const [, tick] = useState(0);
  useEffect(() => () => void rec?.stop(false), [rec]);
  if (!voiceMime()) return null;
  const start = async () => {
    const r = new VoiceRecorder(() => tick((n) => n + 1));
    try {
      await r.start();
      setRec(r);
    } catch {
      store.showToast(t('media_micDenied'));
    }
  };
  const stop = async (keep: boolean) => {
    if (!rec) return;
    setRec(null);
    const clip = await rec.stop(keep);
    if (clip) void mediaOf(store).sendVoice(chatId, clip).catch(() => undefined);
  };
  if (!rec) return <button type="button" class="icon-btn mic" aria-label={t('media_record')} onClick={() => void start()} data-testid="record-voice"><MediaIcon name="mic" /></button>;
  const elapsed = performance.now() - rec.startedAt;
  return (
    <div class="recording" data-testid="recording">
      <span class="rec-dot" style={{ transform: `scale(${1 + rec.level})` }} aria-hidden="true" />
      <span>{t('media_recording')} {formatDuration(elapsed)}</span>
      <button type="button" class="link" onClick={() => void stop(false)} data-testid="record-cancel">{t('media_cancelRecording')}</button>
      <button type="button" class="send" aria-label={t('media_stopSend')} onClick={() => void stop(true)} data-testid="record-send"><MediaIcon name="send" /></button>
    </div>
  );
}
