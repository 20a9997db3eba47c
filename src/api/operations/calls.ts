import { Type } from '@sinclair/typebox';
import { op, type Operation } from './types.js';
import { Id } from './schemas.js';

const Strict = { additionalProperties: false } as const;
/** Opaque call ids (128-bit random, base64url); any other string is simply not found. */
const CallId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
/** SHA-256 commitments and 32-byte nonces of call verification (src/protocol/call-verification.ts), hex. */
const Hex32 = Type.String({ pattern: '^[0-9a-fA-F]{64}$' });
const Audience = Type.Union([Type.Literal('everyone'), Type.Literal('contacts'), Type.Literal('nobody')]);
// The SDP size limit is calls.maxSdpBytes, checked by the sanitiser (bad_sdp too_large); this bound only caps parsing.
const Sdp = Type.String({ maxLength: 65536 });
const Description = Type.Object({ type: Type.Union([Type.Literal('offer'), Type.Literal('answer')]), sdp: Sdp }, Strict);
const Offer = Type.Object({ type: Type.Literal('offer'), sdp: Sdp }, Strict);
const Answer = Type.Object({ type: Type.Literal('answer'), sdp: Sdp }, Strict);
/**
 * RTCIceCandidateInit (W3C webrtc-pc §4.8.1). `usernameFragment` is accepted because browsers'
 * RTCIceCandidate.toJSON() includes it, and not forwarded: the candidate line carries the ufrag itself.
 */
const Candidate = Type.Object({
  candidate: Type.String({ maxLength: 1024 }),
  sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 255 }), Type.Null()])),
  usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
}, Strict);

const ok = { ok: true } as const;

/**
 * Calls (issue 4; docs/calls.md, docs/protocol.md "Calls"): privacy settings, relay credentials,
 * signaling and the call log. Server → device traffic is `event` frames on the update channel.
 */
export const callOperations: Operation[] = [
  op({ name: 'calls.settings', method: 'GET', path: '/me/call-settings', auth: true, summary: 'This account\'s call privacy settings',
    params: Type.Object({}),
    handler: ({ services, caller }) => services.calls.getSettings(caller) }),
  op({ name: 'calls.updateSettings', method: 'PATCH', path: '/me/call-settings', auth: true, summary: 'Change call privacy settings (protect IP, peer-to-peer with, who can call, silence unknown callers)',
    params: Type.Object({ protectIp: Type.Optional(Type.Boolean()), p2pWith: Type.Optional(Audience), whoCanCall: Type.Optional(Audience), silenceUnknown: Type.Optional(Type.Boolean()) }, Strict),
    handler: ({ services, caller }, p) => services.calls.updateSettings(caller, p) }),
  op({ name: 'calls.relays', method: 'GET', path: '/calls/relays', auth: true, summary: 'Healthy relays with fresh TURN credentials (RTT probes, refresh in long calls)',
    params: Type.Object({}),
    handler: async ({ services }) => services.calls.relays() }),
  op({ name: 'calls.prepare', method: 'POST', path: '/calls/prepare', auth: true, summary: 'Check that a call is allowed; how to gather (relay only?) and the relays',
    params: Type.Object({ calleeId: Id }, Strict),
    handler: ({ services, caller }, p) => services.calls.prepare(caller, p.calleeId) }),
  op({ name: 'calls.start', method: 'POST', path: '/calls', auth: true, status: 201, summary: 'Ring the callee\'s devices with an offer (candidates are held until answered)',
    params: Type.Object({ calleeId: Id, video: Type.Boolean(), offer: Offer, commitment: Hex32 }, Strict),
    handler: ({ services, caller }, p) => services.calls.start(caller, p) }),
  op({ name: 'calls.accept', method: 'POST', path: '/calls/:callId/accept', auth: true, summary: 'Answer on this (rung) device with the candidates gathered while ringing; returns the caller\'s candidates so far (with `candidates` and none kept: they follow the first trickled one)',
    params: Type.Object({ callId: CallId, answer: Answer, nonce: Hex32, candidates: Type.Optional(Type.Array(Candidate, { maxItems: 64 })) }, Strict),
    handler: async ({ services, caller }, p) => services.calls.accept(caller, p) }),
  op({ name: 'calls.decline', method: 'POST', path: '/calls/:callId/decline', auth: true, summary: 'Decline (or answer busy) on a rung device: the call ends everywhere',
    params: Type.Object({ callId: CallId, busy: Type.Optional(Type.Boolean()) }, Strict),
    handler: ({ services, caller }, p) => services.calls.decline(caller, p) }),
  op({ name: 'calls.reveal', method: 'POST', path: '/calls/:callId/reveal', auth: true, summary: 'Caller: open the verification commitment to the answering device',
    params: Type.Object({ callId: CallId, nonce: Hex32 }, Strict),
    handler: async ({ services, caller }, p) => services.calls.reveal(caller, p) }),
  op({ name: 'calls.candidate', method: 'POST', path: '/calls/:callId/candidates', auth: true, summary: 'Trickle an ICE candidate (sanitised; dropped: true when the privacy policy dropped it)',
    params: Type.Object({ callId: CallId, candidate: Candidate }, Strict),
    handler: async ({ services, caller }, p) => services.calls.candidate(caller, { callId: p.callId, candidate: p.candidate }) }),
  op({ name: 'calls.describe', method: 'POST', path: '/calls/:callId/description', auth: true, summary: 'Renegotiate an active call (ICE restart, adding video)',
    params: Type.Object({ callId: CallId, description: Description }, Strict),
    handler: async ({ services, caller }, p) => services.calls.describe(caller, p) }),
  op({ name: 'calls.hangup', method: 'POST', path: '/calls/:callId/hangup', auth: true, summary: 'End the call: cancel (caller, ringing), decline (rung device) or hang up (active; reason failed: no media path)',
    params: Type.Object({ callId: CallId, reason: Type.Optional(Type.Literal('failed')) }, Strict),
    handler: async ({ services, caller }, p) => { await services.calls.hangup(caller, p); return ok; } }),
  op({ name: 'calls.log', method: 'GET', path: '/calls/log', auth: true, summary: 'This account\'s call log, newest first (no addresses)',
    params: Type.Object({ beforeId: Type.Optional(Id), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }),
    handler: ({ services, caller }, p) => services.calls.history(caller, p) }),
];
