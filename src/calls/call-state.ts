import './errors.js';
import { AppError } from '../kernel/errors.js';
import type { Caller } from '../accounts/sessions.js';
import type { CallPeerView, CandidateInit } from '../protocol/calls.js';

/** One side of a call as the server tracks it (memory only, this node; docs/calls.md "State"). */
export interface CallSide {
  peer: CallPeerView;
  /** Decided by this side's own settings (policy.ts relayOnly); its candidates are filtered with it. */
  relayOnly: boolean;
  /** Candidates received from this side in the current ICE generation (calls.maxCandidates). */
  candidates: number;
}

/** A call that is ringing or in progress. Ended calls are removed at once (tombstones.ts remembers the id). */
export interface LiveCall {
  id: string;
  state: 'ringing' | 'active';
  video: boolean;
  caller: CallSide;
  callee: CallSide;
  /** The one device of the caller that placed the call: the only caller device the call talks to. */
  callerDevice: number;
  /** Callee devices that were rung and are still online; a device that goes offline is no longer rung. */
  rung: Set<number>;
  /** The callee device that answered (null while ringing). */
  answeredBy: number | null;
  /** The callee did not ring because of "silence unknown callers" (the callee's row says so; the caller's does not). */
  silenced: boolean;
  /** The caller's candidates held until a device answers (already sanitised). */
  held: CandidateInit[];
  /**
   * Answered, but the caller's candidates stay held until the callee's first one arrives (or
   * HELD_RELEASE_MS pass), so that both sides learn each other's candidates at the same moment
   * (docs/calls.md "Candidates in step"). The timer that releases them regardless, or null.
   */
  stepRelease: ReturnType<typeof setTimeout> | null;
  startedAt: number;
  answeredAt: number | null;
  expiresAt: number;
  ringTimer: ReturnType<typeof setTimeout> | null;
  /** Disconnect grace per party device (caller device, answering device). */
  graceTimers: Map<number, ReturnType<typeof setTimeout>>;
}

/** Which party of the call a request comes from. */
export type Role =
  | { kind: 'caller' }
  /** A callee device; `rung` while ringing, `answering` once it answered, `other` for any other device of the callee. */
  | { kind: 'callee'; device: 'rung' | 'answering' | 'other' };

/**
 * The caller's role in the call. An account that is not a party, and a device of the caller's
 * account other than the one that placed the call, get call_not_found: the id confirms nothing.
 */
export function roleOf(call: LiveCall, who: Caller): Role {
  if (who.accountId === call.caller.peer.accountId && who.deviceId === call.callerDevice) return { kind: 'caller' };
  if (who.accountId === call.callee.peer.accountId) {
    if (call.answeredBy === who.deviceId) return { kind: 'callee', device: 'answering' };
    return { kind: 'callee', device: call.rung.has(who.deviceId) ? 'rung' : 'other' };
  }
  throw new AppError('call_not_found');
}

/** The error for a callee device that is neither rung (while ringing) nor the answering one (once active). */
export function notThisDevice(call: LiveCall): AppError {
  return new AppError(call.state === 'active' ? 'call_already_answered' : 'call_not_rung');
}
