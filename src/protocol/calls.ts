/**
 * Call signaling (issue 4, docs/calls.md): 1:1 WebRTC calls set up over the update channel.
 *
 * Client → server: operations `calls.*` (HTTP or `call` frames; the device is the session's device).
 * Server → client: ephemeral `event` frames addressed to ONE device (never persisted, no pts); the
 * call log is persisted and arrives as the `call.log` update on all of the account's devices.
 *
 * Flow: caller `calls.prepare` (policy + relays) → gathers → `calls.start` (offer, commitment) →
 * every online device of the callee gets `call.incoming` (offer WITHOUT candidates) → one device
 * `calls.accept` (answer, nonce) → the caller gets `call.accepted`, the other callee devices get
 * `call.ended {answered_elsewhere}` → the caller sends `calls.reveal` (its nonce) → `call.reveal` to
 * the callee → both trickle `calls.candidate` → `calls.hangup`. The server holds the caller's
 * candidates until a device has answered (result of `calls.accept`), and refuses the callee's
 * candidates before that, so neither side's address reaches a device that has not answered.
 * Candidates in step: the answering device sends the candidates it gathered while ringing with
 * `calls.accept`; the server passes them to the caller as it returns the caller's, so both sides add
 * each other's at the same moment and create their TURN permissions (RFC 8656 §9) before either
 * side's first check arrives. With none gathered yet, the caller's wait for the callee's first.
 */

/** Who may do something: everyone, only accounts in my contacts, or nobody (Telegram's setting). */
export type Audience = 'everyone' | 'contacts' | 'nobody';

export interface CallSettingsView {
  /** Relay-only media for this user; the server drops this user's non-relay candidates. */
  protectIp: boolean;
  /** With whom a direct (peer-to-peer) path is allowed; otherwise this user is relayed for that call. */
  p2pWith: Audience;
  whoCanCall: Audience;
  /** Callers not in my contacts do not ring: the call is logged as missed (silenced). */
  silenceUnknown: boolean;
}

export const DEFAULT_CALL_SETTINGS: CallSettingsView = { protectIp: false, p2pWith: 'everyone', whoCanCall: 'everyone', silenceUnknown: false };

/** One relay with TURN REST credentials (valid ≤ 1 h; the username is opaque, never the account id). */
export interface RelayServer {
  /** Stable id of the relay in config (e.g. `local`, `eu-1`). */
  id: string;
  region: string;
  /** RTCIceServer.urls: `turn:host:port?transport=udp` (and `stun:` for RTT probes). */
  urls: string[];
  username: string;
  credential: string;
  /** Unix ms after which the credential is refused by the relay: refresh before it. */
  expiresAt: number;
}

export interface SessionDescriptionInit {
  type: 'offer' | 'answer';
  sdp: string;
}

/** RTCIceCandidateInit as sent over the wire; `candidate` is the attribute value (`candidate:…`). */
export interface CandidateInit {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

export interface CallPeerView {
  accountId: number;
  username: string;
  displayName: string;
}

export type CallEndReason =
  | 'hangup'
  | 'declined'
  | 'busy'
  | 'cancelled'
  | 'missed'
  | 'answered_elsewhere'
  | 'declined_elsewhere'
  | 'connection_lost'
  | 'failed';

export type CallOutcome = 'answered' | 'missed' | 'declined' | 'busy' | 'cancelled' | 'failed';

/** One row of an account's call log: who, when, how long, how it ended. Never an address. */
export interface CallLogEntry {
  id: number;
  /** The call this row belongs to (both parties' rows share it). */
  callId: string;
  peer: CallPeerView;
  direction: 'outgoing' | 'incoming';
  video: boolean;
  outcome: CallOutcome;
  /** Ringing did not happen because of the callee's "silence unknown callers". */
  silenced: boolean;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number;
  durationMs: number | null;
}

/** Result of `calls.prepare`: how the caller must gather for this call. */
export interface CallPreparation {
  /** Gather with iceTransportPolicy 'relay' (own protectIp, or own p2pWith excludes the callee). */
  relayOnly: boolean;
  /** Healthy relays with fresh credentials; measure RTT to each and use the lowest. */
  relays: RelayServer[];
}

export interface CallStarted {
  callId: string;
  /** Number of callee devices that ring (0 when silenced: the call shows as ringing until it times out). */
  ringing: number;
  /** Unix ms when the call becomes missed if nobody answers. */
  expiresAt: number;
}

export interface CallAccepted {
  /**
   * The caller's candidates so far (from its offer and trickled), already sanitised. Empty when the
   * device answered with `candidates` but none was kept: the caller's then arrive as `call.candidate`
   * events together with this device's first trickled candidate (or after a second).
   */
  candidates: CandidateInit[];
}

/** Events to one device (frame `{op:'event', type, data}`). */
export interface CallEventMap {
  /** To each ringing callee device. The offer carries no candidates (they come with `calls.accept`'s result). */
  'call.incoming': {
    callId: string;
    from: CallPeerView;
    video: boolean;
    offer: SessionDescriptionInit;
    /** This device must gather relay-only when it answers. */
    relayOnly: boolean;
    relays: RelayServer[];
    /** The caller's commitment: SHA-256 over its DTLS fingerprint and a secret nonce (call-verification.ts). */
    commitment: string;
    expiresAt: number;
  };
  /** To the caller device: the callee devices are ringing. */
  'call.ringing': { callId: string; devices: number };
  /** To the caller device: answered. */
  'call.accepted': { callId: string; answer: SessionDescriptionInit; nonce: string };
  /** To the answering callee device: the caller's nonce, opening its commitment. */
  'call.reveal': { callId: string; nonce: string };
  /** A sanitised candidate of the other party. */
  'call.candidate': { callId: string; candidate: CandidateInit };
  /** Renegotiation (ICE restart on credential refresh, adding video): an offer or answer from the other party. */
  'call.description': { callId: string; description: SessionDescriptionInit };
  /** The call is over for this device. */
  'call.ended': { callId: string; reason: CallEndReason; durationMs: number | null };
}

export type CallEventType = keyof CallEventMap;
export const CALL_EVENT_TYPES: readonly CallEventType[] = [
  'call.incoming', 'call.ringing', 'call.accepted', 'call.reveal', 'call.candidate', 'call.description', 'call.ended',
];

/** Reasons in `call_not_allowed.data.reason`. */
export type CallRefusal = 'nobody' | 'contacts_only' | 'blocked' | 'you_blocked' | 'self';
