import type { CallEndReason, CallPeerView } from '../../protocol/calls.js';
import type { OperationName } from '../../protocol/routes.js';
import type { RelayRtt } from './relay-rtt.js';
import type { IceTransportPolicy, MediaStreamLike, RtcPlatform } from './rtc-types.js';
import type { MediaQuality } from './stats.js';

export type CallPhase = 'preparing' | 'ringing' | 'connecting' | 'active' | 'ended';

/** The other party. An outgoing call knows at least the account id; incoming calls carry the full view. */
export interface CallPeer {
  accountId: number;
  username?: string;
  displayName?: string;
}

export interface CallVerification {
  /** pending: no code yet; ready: both sides can compare `emoji`; mismatch: the caller's commitment did not open (offer rewritten). */
  status: 'pending' | 'ready' | 'mismatch';
  emoji: string[] | null;
}

export interface CallQuality extends MediaQuality {
  /** The relay this device's RTCPeerConnection was given (lowest measured RTT). */
  relayId: string | null;
  /** Every offered relay with its measured round trip (null: no answer in time). */
  relayRtts: RelayRtt[];
}

/** The current call as UIs see it; replaced by a new object on every change (safe for memoised renders). */
export interface ActiveCall {
  /** null while `calls.start` has not answered yet. */
  callId: string | null;
  peer: CallPeer;
  direction: 'outgoing' | 'incoming';
  phase: CallPhase;
  video: boolean;
  /** This device gathers relay candidates only (its own protectIp / p2pWith, decided by the server). */
  relayOnly: boolean;
  muted: boolean;
  cameraOff: boolean;
  /** Callee devices ringing (outgoing calls, from `call.ringing`). */
  ringingDevices: number | null;
  endReason: CallEndReason | null;
  /** Why the call could not be made (an API error code such as `call_not_allowed`, or `media_unavailable`). */
  error: { code: string; message: string; data?: Record<string, unknown> } | null;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  /** RTCPeerConnection.connectionState (`new` before there is one). */
  connection: string;
  localStream: MediaStreamLike | null;
  remoteStream: MediaStreamLike | null;
  /** The remote stream has a video track. */
  remoteVideo: boolean;
  verification: CallVerification;
  quality: CallQuality;
  /** ICE restarts completed on this connection, started by either side (credential refresh). */
  iceRestarts: number;
}

/** A call ringing on this device. */
export interface IncomingCall {
  callId: string;
  from: CallPeerView;
  video: boolean;
  relayOnly: boolean;
  expiresAt: number;
  receivedAt: number;
}

/** The calls.* operations the engine uses. */
export type CallOperation = Extract<OperationName, `calls.${string}`>;

/** Runs one API operation: `(m, p) => stream.call(m, p)` (update channel) or `(m, p) => client.call(m, p)` (HTTP). */
export type CallApi = (method: CallOperation, params: Record<string, unknown>) => Promise<unknown>;

export interface CallEngineOptions {
  api: CallApi;
  rtc: RtcPlatform;
  /** Called after every state change (`current`, `incoming`). */
  onChange(): void;
  log?(...args: unknown[]): void;
  /** Stats refresh period (default 1000 ms). */
  statsIntervalMs?: number;
  /** Per-relay RTT probe timeout (default 2000 ms). */
  relayProbeTimeoutMs?: number;
  /**
   * TESTS ONLY: gather under this policy whatever the server said (a misbehaving client that ignores
   * relayOnly; the server must still drop its non-relay candidates).
   */
  forceIceTransportPolicy?: IceTransportPolicy;
  /** Share of a relay credential's life after which it is refreshed (default 0.8). */
  refreshAt?: number;
}
