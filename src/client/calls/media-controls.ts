import { CallEngineError, type EngineHost } from './engine-host.js';
import type { RTCPeerConnectionLike, RtpTransceiverLike, MediaStreamLike } from './rtc-types.js';
import { withDirection } from './sdp-direction.js';
import type { CallSession } from './session.js';

/**
 * Media of a running call: mute, camera on/off, device switch, and putting the callee's tracks on an
 * answer made while ringing. Track changes go through replaceTrack where the negotiated sections
 * allow it (RFC 8829 §4.2.4: no new offer/answer); only a track with no section renegotiates.
 */

export function setMuted(host: EngineHost, s: CallSession, muted: boolean): void {
  for (const t of s.localStream?.getAudioTracks() ?? []) t.enabled = !muted;
  host.patch(s, { muted });
}

/**
 * Camera on/off. With a camera track this only toggles `track.enabled` (black frames, no
 * renegotiation); turning the camera on in a call that has none adds a track and renegotiates
 * over calls.describe.
 */
export async function setCamera(host: EngineHost, s: CallSession, on: boolean): Promise<void> {
  const stream = s.localStream;
  const tracks = stream?.getVideoTracks() ?? [];
  if (tracks.length > 0 || !on) {
    for (const t of tracks) t.enabled = on;
    return host.patch(s, { cameraOff: !on });
  }
  const cam = await host.media(s, { video: true }, false);
  const track = cam.getVideoTracks()[0];
  if (!track || !stream || !s.pc || s.ended) return void track?.stop();
  stream.addTrack(track);
  // A video section without a track (video call answered with voice only): send on it again.
  const tx = freeTransceiver(s.pc, 'video');
  if (tx) {
    await tx.sender.replaceTrack(track);
    tx.direction = 'sendrecv';
  } else s.pc.addTrack(track, stream);
  host.patch(s, { cameraOff: false, video: true, localStream: stream });
  if (s.answered) await s.renegotiation?.request();
}

/** Switches microphone or camera without renegotiating (RTCRtpSender.replaceTrack). */
export async function switchDevice(host: EngineHost, s: CallSession, kind: 'audio' | 'video', deviceId: string): Promise<void> {
  const fresh = await host.media(s, { [kind]: { deviceId: { exact: deviceId } } }, false);
  const track = (kind === 'audio' ? fresh.getAudioTracks() : fresh.getVideoTracks())[0];
  const stream = s.localStream;
  const sender = s.pc?.getSenders().find((x) => x.track?.kind === kind);
  if (!track || !stream || !sender || s.ended) {
    for (const t of fresh.getTracks()) t.stop();
    throw new CallEngineError('no_such_device', `no ${kind} being sent to switch`);
  }
  const cur = host.view!;
  track.enabled = kind === 'audio' ? !cur.muted : !cur.cameraOff;
  await sender.replaceTrack(track);
  for (const old of kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks()) {
    stream.removeTrack(old);
    old.stop();
  }
  stream.addTrack(track);
  host.patch(s, { localStream: stream });
}

/**
 * Puts the local tracks on the transceivers of the answer made while ringing (replaceTrack: the
 * answer already says sendrecv). Returns true when a track found no transceiver of its kind and was
 * added (it needs a renegotiation once the call is answered).
 */
export async function attachTracks(s: CallSession, stream: MediaStreamLike): Promise<boolean> {
  const pc = s.pc!;
  let added = false;
  for (const track of stream.getTracks()) {
    const tx = freeTransceiver(pc, track.kind);
    if (tx) await tx.sender.replaceTrack(track);
    else {
      pc.addTrack(track, stream);
      added = true;
    }
  }
  return added;
}

/**
 * A video call answered with voice only, on an answer made while ringing that offered to send
 * video: the caller must not expect video that will never come (its `remoteVideo` stays false). The
 * answer it gets says recvonly for the unused video sections, and our transceivers say so too, so
 * later offers and answers agree; turning the camera on later renegotiates (`setCamera`).
 */
export function sendNoVideo(s: CallSession): void {
  const mids = new Set<string>();
  for (const t of s.pc!.getTransceivers()) {
    if (t.receiver.track.kind !== 'video' || t.sender.track || t.mid === null || t.direction !== 'sendrecv') continue;
    t.direction = 'recvonly';
    mids.add(t.mid);
  }
  s.answerSdp = withDirection(s.answerSdp, mids, 'recvonly');
}

/** A transceiver of `kind` whose sender has no track and that may send (not stopped). */
function freeTransceiver(pc: RTCPeerConnectionLike, kind: string): RtpTransceiverLike | undefined {
  return pc.getTransceivers().find((t) => t.receiver.track.kind === kind && !t.sender.track && t.direction !== 'stopped' && t.direction !== 'inactive');
}
