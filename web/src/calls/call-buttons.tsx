import type { ChatEntry } from '../state/types.js';
import type { Store } from '../state/store.js';
import { CallIcon } from './icons.js';
import './calls.css';

/** Voice and video call buttons for a direct chat's header (calls are 1:1). */
export function CallButtons({ store, chat }: { store: Store; chat: ChatEntry }) {
  const t = store.t.bind(store);
  const peer = chat.peer;
  if (chat.type !== 'direct' || !peer || peer.id === store.me?.id) return null;
  // Blocked peers: the server refuses anyway (call_not_allowed you_blocked); no button to press.
  const disabled = !store.calls.idle || store.blocked.has(peer.id);
  const call = (video: boolean) => void store.calls.start({ accountId: peer.id, username: peer.username, displayName: peer.displayName || peer.username }, video);
  return (
    <div class="conv-call-buttons">
      <button class="icon-btn" aria-label={t('call_voice')} title={t('call_voice')} disabled={disabled} onClick={() => call(false)} data-testid="call-start-voice"><CallIcon name="phone" /></button>
      <button class="icon-btn" aria-label={t('call_video')} title={t('call_video')} disabled={disabled} onClick={() => call(true)} data-testid="call-start-video"><CallIcon name="video" /></button>
    </div>
  );
}
