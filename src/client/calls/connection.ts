import type { CandidateInit, SessionDescriptionInit } from '../../protocol/calls.js';
import { CallEngineError, type EngineHost } from './engine-host.js';
import { hasVideo } from './call-view.js';
import { Renegotiation } from './negotiation.js';
import { iceServerFor } from './relay-rtt.js';
import type { RTCPeerConnectionLike } from './rtc-types.js';
import type { CallSession } from './session.js';

/** How long ICE may stay 'failed' before the call ends (it can recover while late pairs are checked). */
const FAILED_GRACE_MS = 5000;

/**
 * The call's RTCPeerConnection: the session's ONE relay, the gathering policy the server decided
 * (`relayOnly` → 'relay', RFC 8445 §5.1.1 gathering limited to relayed candidates), and the wiring of
 * its events to the session — candidates into the outbox while held, remote tracks into one stream,
 * connection state onto the call, and the perfect-negotiation helper for later offers.
 */
export function connect(host: EngineHost, s: CallSession, relayOnly: boolean): RTCPeerConnectionLike {
  const policy = host.o.forceIceTransportPolicy ?? (relayOnly ? 'relay' : 'all');
  const pc = new host.o.rtc.RTCPeerConnection({ iceServers: s.relay ? [iceServerFor(s.relay)] : [], iceTransportPolicy: policy });
  s.pc = pc;
  pc.addEventListener('icecandidate', (ev) => {
    const c = ev.candidate;
    // The null candidate (end of gathering) is not forwarded: ICE connects without it, and after a
    // restart a late one could be applied to the next generation (docs/call-engine.md).
    if (!c || !c.candidate || s.ended) return;
    const init: CandidateInit = { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null };
    if (s.holds > 0) s.candidateOutbox.push(init);
    else sendCandidate(host, s, init);
  });
  pc.addEventListener('track', (ev) => {
    // One remote stream per call. A track may come without a stream (the callee attached it with
    // replaceTrack to an answer made while ringing: its answer names none), or in another stream
    // than the first track's (a camera added later): it joins the stream we show.
    let stream = s.remoteStream ?? ev.streams[0] ?? null;
    if (!stream && host.o.rtc.MediaStream) stream = new host.o.rtc.MediaStream([ev.track]);
    if (stream && !stream.getTracks().some((t) => t.id === ev.track.id)) stream.addTrack(ev.track);
    s.remoteStream = stream;
    host.patch(s, { remoteStream: stream, remoteVideo: hasVideo(stream) });
  });
  pc.addEventListener('connectionstatechange', () => {
    const state = pc.connectionState;
    host.patch(s, { connection: state, ...(state === 'connected' && host.view?.phase === 'connecting' ? { phase: 'active' as const } : {}) });
    // libwebrtc may pass through 'failed' while a late candidate pair is still being checked: give it a moment.
    if (state === 'failed') {
      setTimeout(() => {
        if (!s.ended && s.pc === pc && pc.connectionState === 'failed') host.fail(s, new CallEngineError('connection_failed', 'no network path to the other party (ICE failed)'));
      }, FAILED_GRACE_MS);
    }
  });
  s.renegotiation = new Renegotiation({
    pc,
    polite: s.direction === 'incoming',
    send: (description) => sendDescription(host, s, description),
    hold: () => void s.holds++,
    release: () => releaseCandidates(host, s),
    onRestart: () => host.patch(s, { iceRestarts: (host.view?.iceRestarts ?? 0) + 1 }),
    log: (...a) => host.log(...a),
  });
  return pc;
}

/** Sends one of our candidates, in order after the description that introduced it (`s.out`). */
export function sendCandidate(host: EngineHost, s: CallSession, candidate: CandidateInit): void {
  void s.out
    .run(async () => {
      if (!s.ended) await host.o.api('calls.candidate', { callId: s.callId, candidate });
    })
    .catch((e: unknown) => host.log('candidate not sent', e));
}

function sendDescription(host: EngineHost, s: CallSession, description: SessionDescriptionInit): void {
  void s.out
    .run(async () => {
      if (!s.ended) await host.o.api('calls.describe', { callId: s.callId, description });
    })
    .catch((e: unknown) => host.log('description not sent', e));
}

/** Lifts one hold on our candidates; at zero, what waited in the outbox is sent. */
export function releaseCandidates(host: EngineHost, s: CallSession): void {
  s.releaseCandidates((c) => sendCandidate(host, s, c));
}

/** Adds the other side's candidate, or keeps it until a remote description is set. */
export async function addRemoteCandidate(host: EngineHost, s: CallSession, candidate: CandidateInit): Promise<void> {
  if (!s.pc || s.ended) return;
  if (!s.pc.remoteDescription) return void s.remoteCandidates.push(candidate);
  await s.pc.addIceCandidate(candidate).catch((e: unknown) => host.log('remote candidate refused', candidate.candidate, e));
}

export async function flushRemoteCandidates(host: EngineHost, s: CallSession): Promise<void> {
  for (const c of s.remoteCandidates.splice(0)) await addRemoteCandidate(host, s, c);
}
