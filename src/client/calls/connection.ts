import type { CandidateInit, SessionDescriptionInit } from '../../protocol/calls.js';
import { CallEngineError, type EngineHost } from './engine-host.js';
import { hasVideo } from './call-view.js';
import { Renegotiation } from './negotiation.js';
import { refreshRelay } from './relay-refresh.js';
import { iceServerFor } from './relay-rtt.js';
import type { RTCPeerConnectionLike } from './rtc-types.js';
import type { CallSession } from './session.js';

/** How long ICE may stay 'failed' before the call ends (it can recover while late pairs are checked). */
const FAILED_GRACE_MS = 5000;
/** A connection 'disconnected' this long is restarted (a relay restarted, the network changed). */
const DISCONNECTED_RESTART_MS = 2000;
/** ICE restarts tried after a drop before the call is left to fail. */
const MAX_RECOVERIES = 3;

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
    if (state === 'connected') {
      s.connectedOnce = true;
      s.recoveries = 0;
      clearTimeout(s.recoveryTimer);
    }
    if (state === 'disconnected') {
      clearTimeout(s.recoveryTimer);
      s.recoveryTimer = setTimeout(() => {
        if (pc.connectionState === 'disconnected' || pc.connectionState === 'failed') recover(host, s, pc);
      }, DISCONNECTED_RESTART_MS);
    }
    if (state === 'failed') {
      recover(host, s, pc);
      // libwebrtc may pass through 'failed' while a late candidate pair is still being checked, and a
      // restart takes it out of 'failed': give it a moment.
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

/**
 * A call that was up lost its path (its relay restarted and forgot the allocations, the network
 * changed): the caller restarts ICE (RFC 8445 §9) with fresh relay credentials — a relay the server
 * found dead is no longer offered — and the callee follows through the new offer. Only the caller
 * starts it, so the two sides do not restart each other's restart; a call that never connected is
 * not retried (there was no path to recover), and after MAX_RECOVERIES the failure stands.
 */
function recover(host: EngineHost, s: CallSession, pc: RTCPeerConnectionLike): void {
  if (s.ended || s.pc !== pc || !s.answered || !s.connectedOnce || s.direction !== 'outgoing') return;
  if (s.recoveries >= MAX_RECOVERIES) return;
  s.recoveries++;
  host.log('connection lost: ICE restart', s.recoveries);
  void refreshRelay(host, s);
}
