import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { sanitizeSdp, sanitizeCandidate } from '../../src/calls/sanitize.js';
import type { CandidateInit } from '../../src/protocol/calls.js';

/**
 * What the server forwards must still work in a real WebRTC stack (libwebrtc through @roamhq/wrtc):
 * the stripped offer, a masked relay-only answer, held candidates with their m-section, raddr
 * rewritten to 0.0.0.0 — and a direct ICE connection forms over the sanitised candidates.
 */
interface Pc {
  localDescription: { type: string; sdp: string } | null;
  iceGatheringState: string;
  iceConnectionState: string;
  onicegatheringstatechange: (() => void) | null;
  oniceconnectionstatechange: (() => void) | null;
  addTransceiver(kind: string): unknown;
  createDataChannel(label: string): unknown;
  createOffer(): Promise<{ type: 'offer'; sdp: string }>;
  createAnswer(): Promise<{ type: 'answer'; sdp: string }>;
  setLocalDescription(d: { type: string; sdp: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp: string }): Promise<void>;
  addIceCandidate(c: CandidateInit): Promise<void>;
  close(): void;
}
const { RTCPeerConnection } = createRequire(import.meta.url)('@roamhq/wrtc') as { RTCPeerConnection: new () => Pc };

const LIMITS = { maxBytes: 16384, maxCandidates: 100 };

// @roamhq/wrtc 0.10 crashes (SIGSEGV) in its native destructors when the process ends naturally, which
// would fail a file that passed; exiting from the 'exit' event skips that teardown and keeps the code
// (the same workaround as tests/helpers/wrtc-call.ts).
process.on('exit', (code) => process.exit(code));

function gathered(pc: Pc): Promise<void> {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
  });
}

function connected(pc: Pc): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') resolve();
      if (pc.iceConnectionState === 'failed') reject(new Error('ICE failed'));
    };
    pc.oniceconnectionstatechange = check;
    check();
  });
}

describe('sanitised signaling in libwebrtc (@roamhq/wrtc)', () => {
  const pcs: Pc[] = [];
  const pc = (): Pc => {
    const p = new RTCPeerConnection();
    pcs.push(p);
    return p;
  };
  after(() => pcs.forEach((p) => p.close()));

  it('the stripped offer, the held candidates and a masked relay-only answer are accepted', { timeout: 30000 }, async () => {
    const caller = pc();
    caller.addTransceiver('audio');
    caller.addTransceiver('video');
    caller.createDataChannel('x');
    await caller.setLocalDescription(await caller.createOffer());
    await gathered(caller);
    const offer = sanitizeSdp(caller.localDescription!.sdp, { ...LIMITS, relayOnly: false, extractCandidates: true });
    assert.ok(offer.candidates.length > 0);
    assert.ok(!offer.sdp.includes('a=candidate'));

    const callee = pc();
    await callee.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    await callee.setLocalDescription(await callee.createAnswer());
    await gathered(callee);
    const answer = sanitizeSdp(callee.localDescription!.sdp, { ...LIMITS, relayOnly: true, extractCandidates: false });
    assert.ok(answer.dropped.length > 0, 'the host candidates of a relay-only side are dropped');
    await caller.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    for (const c of offer.candidates) await callee.addIceCandidate(c);
    const end = sanitizeCandidate({ candidate: '', sdpMid: '0', sdpMLineIndex: 0 }, false);
    assert.ok(end.ok);
    await callee.addIceCandidate(end.candidate);
  });

  it('a direct path forms over sanitised candidates (raddr 0.0.0.0 does not matter to ICE)', { timeout: 30000 }, async () => {
    const a = pc();
    a.addTransceiver('audio');
    await a.setLocalDescription(await a.createOffer());
    await gathered(a);
    const offer = sanitizeSdp(a.localDescription!.sdp, { ...LIMITS, relayOnly: false, extractCandidates: true });
    const b = pc();
    await b.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    await b.setLocalDescription(await b.createAnswer());
    await gathered(b);
    const answer = sanitizeSdp(b.localDescription!.sdp, { ...LIMITS, relayOnly: false, extractCandidates: false });
    await a.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    for (const c of offer.candidates) await b.addIceCandidate(c);
    await Promise.all([connected(a), connected(b)]);
  });
});
