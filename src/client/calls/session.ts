import type { CandidateInit, RelayServer } from '../../protocol/calls.js';
import { SerialQueue, type Renegotiation } from './negotiation.js';
import type { RelayRtt } from './relay-rtt.js';
import type { MediaStreamLike, RTCPeerConnectionLike } from './rtc-types.js';

/**
 * The engine's private state of the current call (what UIs see is `ActiveCall`). One per call; a
 * call that ended keeps its object so late async steps can tell they belong to a finished call.
 */
export class CallSession {
  callId: string | null = null;
  pc: RTCPeerConnectionLike | null = null;
  localStream: MediaStreamLike | null = null;
  /** The other side's tracks (their stream, or one built from tracks that came without a stream). */
  remoteStream: MediaStreamLike | null = null;
  renegotiation: Renegotiation | null = null;
  ended = false;

  /** Relays offered for this call, their measured RTTs, and the one the connection uses. */
  relays: RelayServer[] = [];
  relayRtts: RelayRtt[] = [];
  relay: RelayServer | null = null;
  /** When this device received `relay`'s credential (its life is counted from here, in this clock). */
  relayReceivedAt = 0;
  /** The call was answered (callee: `calls.accept` succeeded; caller: `call.accepted`). */
  answered = false;

  /** Verification (call-verification.ts): this side's secret nonce, the caller's commitment (callee side). */
  nonce = '';
  commitment = '';
  /** The caller's offer and the callee's answer as this device saw them (the code is computed over both). */
  offerSdp = '';
  answerSdp = '';
  /** Callee: the caller's nonce arrived before our own answer was settled. */
  pendingReveal: string | null = null;

  /**
   * Our candidates wait here while `holds` > 0 (before the call id is known, before accept — a callee
   * gathers while ringing, docs/call-engine.md —, during a renegotiation).
   */
  holds = 1;
  readonly candidateOutbox: CandidateInit[] = [];
  /** Remote candidates that arrived before a remote description was set. */
  readonly remoteCandidates: CandidateInit[] = [];
  /** Outgoing signaling in order: a description always precedes the candidates it introduced (HTTP has no order). */
  readonly out = new SerialQueue();
  /** Incoming signaling in order: a candidate is applied after the description before it. */
  readonly inbox = new SerialQueue();
  /** Events that arrived before `calls.start` answered with the call id. */
  readonly early: Array<{ type: string; data: unknown }> = [];

  statsTimer: ReturnType<typeof setInterval> | undefined;
  refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** The relay credential expired before the call was answered: refresh once it is. */
  refreshDue = false;
  /** The connection reached 'connected' at least once (only such a call is worth an ICE restart when it drops). */
  connectedOnce = false;
  /** ICE restarts made to recover a dropped connection since it was last connected. */
  recoveries = 0;
  recoveryTimer: ReturnType<typeof setTimeout> | undefined;
  readonly cleanups: Array<() => void> = [];

  constructor(readonly direction: 'outgoing' | 'incoming') {}

  releaseCandidates(send: (c: CandidateInit) => void): void {
    this.holds = Math.max(0, this.holds - 1);
    if (this.holds > 0) return;
    for (const c of this.candidateOutbox.splice(0)) send(c);
  }

  dispose(): void {
    this.ended = true;
    clearInterval(this.statsTimer);
    clearTimeout(this.refreshTimer);
    clearTimeout(this.recoveryTimer);
    for (const c of this.cleanups.splice(0)) c();
    for (const t of this.localStream?.getTracks() ?? []) t.stop();
    try {
      this.pc?.close();
    } catch {
      // already closed
    }
  }
}
