import { checkCommitment, sdpFingerprints, verificationCode } from '../../protocol/call-verification.js';
import type { CallSession } from './session.js';
import type { CallVerification } from './types.js';

/**
 * The 4-emoji code of a call (src/protocol/call-verification.ts) from what this device saw: both
 * descriptions' DTLS fingerprints and both nonces. The callee also checks the caller's commitment,
 * made before the caller saw the answer, so nobody on the way can grind a matching code.
 */

/** Caller: the answer (with the callee's nonce) arrived; its own nonce and offer are in the session. */
export async function callerVerification(s: CallSession, calleeNonce: string): Promise<CallVerification> {
  const emoji = await verificationCode({
    callerFingerprints: sdpFingerprints(s.offerSdp),
    calleeFingerprints: sdpFingerprints(s.answerSdp),
    callerNonce: s.nonce,
    calleeNonce,
  });
  return { status: 'ready', emoji };
}

/** Callee: the caller revealed its nonce; `mismatch` when it does not open the commitment for the offer we got. */
export async function calleeVerification(s: CallSession, callerNonce: string): Promise<CallVerification> {
  const callerFingerprints = sdpFingerprints(s.offerSdp);
  const opened = await checkCommitment(s.commitment, callerFingerprints, callerNonce);
  const emoji = await verificationCode({ callerFingerprints, calleeFingerprints: sdpFingerprints(s.answerSdp), callerNonce, calleeNonce: s.nonce });
  return { status: opened ? 'ready' : 'mismatch', emoji };
}
