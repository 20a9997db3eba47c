import type { IncomingCall } from '../../../src/client/calls/types.js';
import type { CallsHost, CallsView } from './host.js';
import { CallAvatar } from './call-avatar.js';
import { CallIcon } from './icons.js';

/**
 * Calls ringing on this device, as banners across the top of the window whatever screen is open.
 * Every device of the callee shows one; the engine drops it (and the ring stops) when another
 * device answered or declined, the caller cancelled, or the ring timed out (`call.ended`).
 * Nothing is sent to the caller before Accept: the engine creates no RTCPeerConnection until then.
 */
export function IncomingCalls({ host, calls }: { host: CallsHost; calls: CallsView }) {
  if (!calls.incoming.length) return null;
  return (
    <div class="call-incoming-stack">
      {calls.incoming.map((c) => <IncomingBanner key={c.callId} c={c} host={host} calls={calls} />)}
    </div>
  );
}

function IncomingBanner({ c, host, calls }: { c: IncomingCall; host: CallsHost; calls: CallsView }) {
  const t = host.t.bind(host);
  const name = c.from.displayName || c.from.username;
  const inCall = !calls.idle;
  return (
    <div class="call-incoming" role="alertdialog" aria-label={`${t(c.video ? 'call_incomingVideo' : 'call_incomingVoice')}: ${name}`} data-testid="call-incoming" data-call-id={c.callId} data-video={c.video ? 'true' : 'false'}>
      <CallAvatar name={name} size={48} />
      <div class="call-incoming-who">
        <strong data-testid="call-incoming-name">{name}</strong>
        <small>{t(c.video ? 'call_incomingVideo' : 'call_incomingVoice')}{c.relayOnly ? ` · ${t('call_relayedNote')}` : ''}</small>
      </div>
      <button class="call-btn decline" aria-label={t('call_decline')} title={t('call_decline')} onClick={() => void calls.decline(c.callId)} data-testid="call-decline"><CallIcon name="hangup" size={24} /></button>
      <button class="call-btn accept" aria-label={t('call_accept')} title={t('call_accept')} disabled={inCall} onClick={() => void calls.accept(c.callId, false)} data-testid="call-accept"><CallIcon name="phone" size={24} /></button>
      {c.video && <button class="call-btn accept" aria-label={t('call_acceptVideo')} title={t('call_acceptVideo')} disabled={inCall} onClick={() => void calls.accept(c.callId, true)} data-testid="call-accept-video"><CallIcon name="video" size={24} /></button>}
    </div>
  );
}
