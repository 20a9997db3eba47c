import { useEffect } from 'preact/hooks';
import type { CallLogEntry } from '../../../src/protocol/calls.js';
import { formatTime } from '../ui/hooks.js';
import { Avatar } from '../ui/avatar.js';
import type { Store } from '../state/store.js';
import { CallIcon } from './icons.js';
import { formatDuration } from './format.js';
import './calls.css';

/**
 * Settings → Calls: this account's call log (calls.log, newest first), kept current by `call.log`
 * updates, which reach every device of the account. Rows hold who, when, how long and how it ended;
 * the server stores no addresses.
 */
export function CallLog({ store }: { store: Store }) {
  const t = store.t.bind(store);
  const calls = store.calls;
  useEffect(() => {
    void calls.loadLog();
  }, []);
  return (
    <div data-testid="call-log">
      {calls.logError && <p class="error" role="alert">{calls.logError}</p>}
      <ul class="call-log">
        {calls.log.map((e) => <CallLogRow key={e.id} e={e} store={store} />)}
        {calls.logLoaded && !calls.log.length && <li class="muted empty-list">{t('callLogEmpty')}</li>}
      </ul>
      {calls.logLoaded && !calls.logDone && <button class="link" onClick={() => void calls.loadLog(true)} data-testid="call-log-more">{t('call_more')}</button>}
    </div>
  );
}

function CallLogRow({ e, store }: { e: CallLogEntry; store: Store }) {
  const t = store.t.bind(store);
  const name = e.peer.displayName || e.peer.username;
  const missed = e.outcome === 'missed' && e.direction === 'incoming';
  const detail = e.outcome === 'answered' ? formatDuration(e.durationMs ?? 0) : t(`call_outcome_${e.outcome}`);
  const busy = !store.calls.idle;
  return (
    <li class={`call-log-row ${missed ? 'missed' : ''}`} data-testid="call-log-row" data-call-id={e.callId} data-outcome={e.outcome} data-direction={e.direction} data-silenced={e.silenced ? 'true' : 'false'}>
      <Avatar id={e.peer.accountId} name={name} size={40} />
      <div class="call-log-body">
        <strong>{name}</strong>
        <small class="muted">
          <span class="call-dir" aria-label={t(e.direction === 'outgoing' ? 'call_outgoing' : 'call_incoming')}><CallIcon name={e.direction === 'outgoing' ? 'outgoing' : 'incoming'} size={14} /></span>
          {e.video && <CallIcon name="video" size={14} />}
          {' '}{formatTime(e.startedAt, store.lang)} · <span class={missed ? 'call-missed' : ''} data-testid="call-log-detail">{detail}</span>
          {e.silenced && <span class="tag call-silenced" data-testid="call-log-silenced">{t('call_silenced')}</span>}
        </small>
      </div>
      <button class="icon-btn call-back" aria-label={`${t('call_back')}: ${name}`} title={t('call_back')} disabled={busy}
        onClick={() => void store.calls.start({ accountId: e.peer.accountId, displayName: name }, e.video)} data-testid="call-back">
        <CallIcon name={e.video ? 'video' : 'phone'} />
      </button>
    </li>
  );
}
