import { useEffect } from 'preact/hooks';
import type { ActiveCall } from '../../../src/client/calls/types.js';
import type { CallsHost, CallsView } from './host.js';
import { canChooseSpeaker } from './media-view.js';

/**
 * Microphone, camera and speaker choice from enumerateDevices(). Microphone and camera switch with
 * RTCRtpSender.replaceTrack (no renegotiation, engine.switchDevice); the speaker is the remote
 * audio element's sink (setSinkId), offered only where the browser has it.
 */
export function DevicesPanel({ call, host, calls }: { call: ActiveCall; host: CallsHost; calls: CallsView }) {
  const t = host.t.bind(host);
  useEffect(() => {
    void calls.loadDevices();
  }, []);
  const current = (kind: 'audio' | 'video') => {
    const track = kind === 'audio' ? call.localStream?.getAudioTracks()[0] : call.localStream?.getVideoTracks()[0];
    return track?.getSettings?.().deviceId ?? '';
  };
  const list = (kind: MediaDeviceKind) => calls.devices.filter((d) => d.kind === kind && d.deviceId);
  const label = (d: MediaDeviceInfo, i: number) => d.label || `${t(d.kind === 'audioinput' ? 'call_microphone' : d.kind === 'videoinput' ? 'call_camera' : 'call_speaker')} ${i + 1}`;
  const mics = list('audioinput');
  const cams = list('videoinput');
  const speakers = list('audiooutput');
  const hasVideo = (call.localStream?.getVideoTracks().length ?? 0) > 0;
  return (
    <section class="call-panel" aria-label={t('call_devices')} data-testid="call-devices">
      <h3>{t('call_devices')}</h3>
      {mics.length > 0 && (
        <label>{t('call_microphone')}
          <select value={current('audio')} onChange={(e) => void calls.switchDevice('audio', (e.target as HTMLSelectElement).value)} data-testid="call-mic-select">
            {mics.map((d, i) => <option key={d.deviceId} value={d.deviceId}>{label(d, i)}</option>)}
          </select>
        </label>
      )}
      {hasVideo && cams.length > 0 && (
        <label>{t('call_camera')}
          <select value={current('video')} onChange={(e) => void calls.switchDevice('video', (e.target as HTMLSelectElement).value)} data-testid="call-camera-select">
            {cams.map((d, i) => <option key={d.deviceId} value={d.deviceId}>{label(d, i)}</option>)}
          </select>
        </label>
      )}
      {canChooseSpeaker && speakers.length > 0 && (
        <label>{t('call_speaker')}
          <select value={calls.sinkId} onChange={(e) => calls.setSpeaker((e.target as HTMLSelectElement).value)} data-testid="call-speaker-select">
            <option value="">{t('call_default')}</option>
            {speakers.filter((d) => d.deviceId !== 'default').map((d, i) => <option key={d.deviceId} value={d.deviceId}>{label(d, i)}</option>)}
          </select>
        </label>
      )}
    </section>
  );
}
