import { useEffect, useState } from 'preact/hooks';
import type { ActiveCall } from '../../../src/client/calls/types.js';
import type { Key } from '../i18n.js';
import type { CallsHost, CallsView } from './host.js';
import { CallAvatar } from './call-avatar.js';
import { CallIcon } from './icons.js';
import { formatDuration } from './format.js';
import { RemoteAudio, StreamVideo } from './media-view.js';
import { PathBadge, QualityPanel } from './quality-panel.js';
import { DevicesPanel } from './devices-panel.js';
import { VerificationCode } from './verification.js';

/** Re-renders every second while `on` (the call duration). */
function useTick(on: boolean): void {
  const [, set] = useState(0);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => set((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [on]);
}

/** What the call is doing, in words: Calling…, Ringing…, the duration, or how it ended. */
export function callStatus(call: ActiveCall, host: CallsHost, calls: CallsView): string {
  const t = host.t.bind(host);
  switch (call.phase) {
    case 'preparing': return t(call.direction === 'outgoing' ? 'call_calling' : 'call_connecting');
    case 'ringing': return t('call_ringing');
    case 'connecting': return t('call_connecting');
    // The path dropped and the engine is restarting ICE (docs/call-engine.md "Recovering a dropped connection").
    case 'active': return call.connection === 'disconnected' || call.connection === 'failed' ? t('call_reconnecting') : formatDuration(Date.now() - (call.answeredAt ?? call.startedAt));
    case 'ended': return call.error ? calls.errorText(call.error) : t(`call_end_${call.endReason ?? 'hangup'}` as Key);
  }
}

/**
 * The call on this device, full window: the other person's video (or avatar), my preview, the
 * status and duration, the path (Direct/Relay), the verification emoji once both fingerprints are
 * known, and the controls. After the end it shows how the call ended until closed (or a few seconds).
 */
export function CallScreen({ call, host, calls }: { call: ActiveCall; host: CallsHost; calls: CallsView }) {
  const t = host.t.bind(host);
  const [panel, setPanel] = useState<'quality' | 'devices' | null>(null);
  useTick(call.phase === 'active');
  const name = call.peer.displayName || call.peer.username || host.nameOf(call.peer.accountId);
  const ended = call.phase === 'ended';
  const media = call.phase === 'connecting' || call.phase === 'active';
  const remoteVideo = !ended && call.remoteVideo;
  const localVideo = !ended && !call.cameraOff && (call.localStream?.getVideoTracks().length ?? 0) > 0;
  const toggle = (p: 'quality' | 'devices') => setPanel(panel === p ? null : p);
  return (
    <div class="call-screen" role="dialog" aria-modal="true" aria-label={`${t(call.video ? 'call_video' : 'call_voice')}: ${name}`}
      data-testid="call-screen" data-phase={call.phase} data-direction={call.direction} data-call-id={call.callId ?? ''}>
      <div class={`call-stage ${remoteVideo ? 'has-video' : ''}`}>
        {remoteVideo && <StreamVideo stream={call.remoteStream} className="call-remote-video" testid="call-remote-video" />}
        <div class="call-who">
          <CallAvatar name={name} size={120} />
          <h2 data-testid="call-peer-name">{name}</h2>
          <p class={ended ? 'call-ended-reason' : 'call-duration'} role="status" data-testid="call-state" data-phase={call.phase} data-reason={call.endReason ?? ''} data-error={call.error?.code ?? ''}>
            {callStatus(call, host, calls)}
          </p>
          {media && call.quality.path && <PathBadge q={call.quality} host={host} />}
          {!ended && call.relayOnly && <small>{t('call_relayedNote')}</small>}
        </div>
        {localVideo && <StreamVideo stream={call.localStream} className="call-local-video" testid="call-local-video" />}
        {media && panel === 'quality' && <QualityPanel q={call.quality} relayOnly={call.relayOnly} host={host} />}
        {media && panel === 'devices' && <DevicesPanel call={call} host={host} calls={calls} />}
      </div>
      {media && <VerificationCode v={call.verification} host={host} />}
      {!ended && <RemoteAudio stream={call.remoteStream} sinkId={calls.sinkId} />}
      <div class="call-controls">
        {ended ? (
          <button class="call-btn" aria-label={t('call_close')} title={t('call_close')} onClick={() => calls.dismiss()} data-testid="call-close">✕</button>
        ) : (
          <>
            {media && (
              <>
                <button class="call-btn" aria-pressed={call.muted} aria-label={t(call.muted ? 'call_unmute' : 'call_mute')} title={t(call.muted ? 'call_unmute' : 'call_mute')}
                  onClick={() => calls.toggleMute()} data-testid="call-mute"><CallIcon name={call.muted ? 'micOff' : 'mic'} size={24} /></button>
                <button class="call-btn" aria-pressed={call.video && call.cameraOff} aria-label={t(call.cameraOff ? 'call_cameraOn' : 'call_cameraOff')} title={t(call.cameraOff ? 'call_cameraOn' : 'call_cameraOff')}
                  onClick={() => calls.toggleCamera()} data-testid="call-camera"><CallIcon name={call.video && call.cameraOff ? 'videoOff' : 'video'} size={24} /></button>
                <button class="call-btn" aria-pressed={panel === 'devices'} aria-label={t('call_devices')} title={t('call_devices')}
                  onClick={() => toggle('devices')} data-testid="call-devices-toggle"><CallIcon name="settings" size={24} /></button>
                <button class="call-btn" aria-pressed={panel === 'quality'} aria-label={t('call_quality')} title={t('call_quality')}
                  onClick={() => toggle('quality')} data-testid="call-quality-toggle"><CallIcon name="chart" size={24} /></button>
              </>
            )}
            <button class="call-btn hangup" aria-label={t(media ? 'call_hangup' : 'call_cancel')} title={t(media ? 'call_hangup' : 'call_cancel')}
              onClick={() => void calls.hangup()} data-testid="call-hangup"><CallIcon name="hangup" size={26} /></button>
          </>
        )}
      </div>
    </div>
  );
}
