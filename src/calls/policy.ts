import type { CallRefusal, CallSettingsView } from '../protocol/calls.js';

/**
 * The privacy rules of a call, PURE over facts read from the database (policy-facts.ts). The server
 * applies them at `calls.prepare` and again at `calls.start` (settings may change in between), and
 * nothing a client says can override them.
 */
export interface CallFacts {
  callerId: number;
  calleeId: number;
  caller: CallSettingsView;
  callee: CallSettingsView;
  /** The caller is in the callee's contacts. */
  calleeHasCaller: boolean;
  /** The callee is in the caller's contacts. */
  callerHasCallee: boolean;
  /** The callee blocked the caller. */
  calleeBlockedCaller: boolean;
  /** The caller blocked the callee. */
  callerBlockedCallee: boolean;
}

/** Why the call is refused, or null. The callee's settings decide; a block either way refuses. */
export function refusal(f: CallFacts): CallRefusal | null {
  if (f.callerId === f.calleeId) return 'self';
  if (f.calleeBlockedCaller) return 'blocked';
  if (f.callerBlockedCallee) return 'you_blocked';
  if (f.callee.whoCanCall === 'nobody') return 'nobody';
  if (f.callee.whoCanCall === 'contacts' && !f.calleeHasCaller) return 'contacts_only';
  return null;
}

/**
 * Whether one side must use relay candidates only: it protects its IP, or its peer-to-peer setting
 * excludes the other party (Telegram's "peer-to-peer with"). Each side is decided by its OWN
 * settings and contacts only: X's model, where enabling protection hides you, not the other side.
 */
export function relayOnly(side: CallSettingsView, sideHasOther: boolean): boolean {
  return side.protectIp || side.p2pWith === 'nobody' || (side.p2pWith === 'contacts' && !sideHasOther);
}

/** "Silence unknown callers": a caller not in the callee's contacts rings no device (logged as missed). */
export function silenced(f: CallFacts): boolean {
  return f.callee.silenceUnknown && !f.calleeHasCaller;
}
