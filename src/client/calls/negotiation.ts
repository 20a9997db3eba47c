import type { SessionDescriptionInit } from '../../protocol/calls.js';
import type { RTCPeerConnectionLike, SessionDescriptionLike } from './rtc-types.js';

/** Runs async tasks one after another (signaling state changes must not interleave). */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const p = this.tail.then(task);
    this.tail = p.catch(() => undefined);
    return p;
  }
}

export interface RenegotiationDeps {
  pc: RTCPeerConnectionLike;
  /** The callee yields on an offer collision; the caller keeps its offer (below). */
  polite: boolean;
  /** Queues a description for the other party (calls.describe); candidates queued after it follow it. */
  send(description: SessionDescriptionInit): void;
  /** Holds this device's new candidates until the description that introduces them has been queued. */
  hold(): void;
  release(): void;
  /** An ICE restart completed on this connection (started by either side). */
  onRestart(): void;
  log(...args: unknown[]): void;
}

const ufrag = (sdp: string | undefined): string | undefined => /^a=ice-ufrag:(\S+)/m.exec(sdp ?? '')?.[1];

/**
 * Renegotiation after the call was answered — an ICE restart on credential refresh (RFC 8445 §9),
 * adding video — over `calls.describe` / `call.description`. Both sides may start one at the same
 * time (both credentials expire together), so offers can cross. The "perfect negotiation" pattern of
 * the WebRTC spec resolves it: the callee is polite (rolls its own offer back, answers the other one,
 * then offers again if it still needs to); the caller is impolite (ignores a crossing offer; the
 * callee will answer its own). Answering a restart offer restarts this side's ICE too (new
 * credentials, a new gathering with this side's current servers), so a withdrawn restart of our own
 * is not repeated.
 */
export class Renegotiation {
  private readonly queue = new SerialQueue();
  private wantOffer = false;
  private wantRestart = false;
  /** Our offer waiting for its answer. */
  private inFlight: { iceRestart: boolean } | null = null;

  constructor(private readonly d: RenegotiationDeps) {}

  /** Asks for a new offer from this side (with an ICE restart when `iceRestart`). */
  request(opts: { iceRestart?: boolean } = {}): Promise<void> {
    this.wantOffer = true;
    if (opts.iceRestart) this.wantRestart = true;
    return this.queue.run(() => this.offerIfWanted());
  }

  /** A description from the other party. */
  onRemote(description: SessionDescriptionInit): Promise<void> {
    return this.queue.run(() => this.handle(description));
  }

  private closed(): boolean {
    return this.d.pc.signalingState === 'closed';
  }

  private async offerIfWanted(): Promise<void> {
    if (!this.wantOffer || this.closed()) return;
    const iceRestart = this.wantRestart;
    this.wantOffer = false;
    this.wantRestart = false;
    if (iceRestart) this.d.pc.restartIce();
    this.d.hold();
    try {
      const offer = await this.d.pc.createOffer(iceRestart ? { iceRestart: true } : {});
      await this.d.pc.setLocalDescription(offer);
      this.inFlight = { iceRestart };
      this.d.send({ type: 'offer', sdp: offer.sdp ?? '' });
    } finally {
      this.d.release();
    }
  }

  private async handle(description: SessionDescriptionInit): Promise<void> {
    const pc = this.d.pc;
    if (this.closed()) return;
    if (description.type === 'answer') {
      if (pc.signalingState !== 'have-local-offer') return this.d.log('stale answer ignored');
      await pc.setRemoteDescription(description);
      if (this.inFlight?.iceRestart) this.d.onRestart();
      this.inFlight = null;
      return;
    }
    const collision = pc.signalingState !== 'stable';
    if (collision && !this.d.polite) return this.d.log('crossing offer ignored (the callee yields)');
    const withdrawn = collision ? this.inFlight : null;
    if (collision) {
      await pc.setLocalDescription({ type: 'rollback' } satisfies SessionDescriptionLike);
      this.inFlight = null;
    }
    const peerRestart = ufrag(description.sdp) !== ufrag(pc.remoteDescription?.sdp);
    await pc.setRemoteDescription(description);
    this.d.hold();
    try {
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      this.d.send({ type: 'answer', sdp: answer.sdp ?? '' });
    } finally {
      this.d.release();
    }
    if (peerRestart) this.d.onRestart();
    if (withdrawn) {
      // Our offer was rolled back: offer again unless the other side's restart did what ours was for.
      this.wantOffer = true;
      if (withdrawn.iceRestart && !peerRestart) this.wantRestart = true;
      if (withdrawn.iceRestart && peerRestart) this.wantOffer = false;
    }
    if (this.wantOffer) void this.queue.run(() => this.offerIfWanted()).catch((e: unknown) => this.d.log('renegotiation failed', e));
  }
}
