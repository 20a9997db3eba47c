import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Renegotiation, SerialQueue } from '../../src/client/calls/negotiation.js';
import type { CandidateInit, SessionDescriptionInit } from '../../src/protocol/calls.js';
import type { RTCPeerConnectionLike } from '../../src/client/index.js';
import { FakeMedia, wrtc } from '../helpers/wrtc-call.js';

/**
 * Renegotiation on real wrtc connections wired to each other directly (no server): crossing ICE
 * restarts from both sides at once (both relay credentials expire together) must settle with both
 * connections stable, restarted and still carrying media.
 */

type Message = { description: SessionDescriptionInit } | { candidate: CandidateInit };

class Side {
  readonly pc: RTCPeerConnectionLike;
  readonly renegotiation: Renegotiation;
  readonly inbox = new SerialQueue();
  restarts = 0;
  private holds = 0;
  private held: CandidateInit[] = [];
  peer!: Side;
  readonly logs: string[] = [];

  constructor(readonly name: string, polite: boolean) {
    this.pc = new (wrtc().RTCPeerConnection)({ iceServers: [] });
    this.pc.addEventListener('icecandidate', (ev) => {
      if (!ev.candidate?.candidate) return;
      const c = { candidate: ev.candidate.candidate, sdpMid: ev.candidate.sdpMid ?? null, sdpMLineIndex: ev.candidate.sdpMLineIndex ?? null };
      if (this.holds > 0) this.held.push(c);
      else this.deliver({ candidate: c });
    });
    this.renegotiation = new Renegotiation({
      pc: this.pc,
      polite,
      send: (description) => this.deliver({ description }),
      hold: () => void this.holds++,
      release: () => {
        if (--this.holds > 0) return;
        for (const c of this.held.splice(0)) this.deliver({ candidate: c });
      },
      onRestart: () => void this.restarts++,
      log: (...a) => this.logs.push(a.map(String).join(' ')),
    });
  }

  /** Delivers to the peer asynchronously, in order (as the update channel would). */
  private deliver(m: Message): void {
    setTimeout(() => {
      void this.peer.inbox.run(async () => {
        if ('description' in m) await this.peer.renegotiation.onRemote(m.description);
        else await this.peer.pc.addIceCandidate(m.candidate).catch(() => undefined);
      });
    }, 5);
  }
}

const ufrag = (pc: RTCPeerConnectionLike, which: 'local' | 'remote'): string | undefined =>
  /a=ice-ufrag:(\S+)/.exec((which === 'local' ? pc.localDescription : pc.remoteDescription)?.sdp ?? '')?.[1];

async function until(test: () => boolean, what: string, timeoutMs = 15000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function inboundBytes(pc: RTCPeerConnectionLike): Promise<number> {
  let bytes = 0;
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && typeof s.bytesReceived === 'number') bytes += s.bytesReceived;
  });
  return bytes;
}

describe('renegotiation on wrtc', () => {
  it('crossing ICE restarts from both sides settle: both stable, restarted, media still flowing', async () => {
    const media = new FakeMedia();
    const caller = new Side('caller', false);
    const callee = new Side('callee', true);
    caller.peer = callee;
    callee.peer = caller;
    try {
      for (const side of [caller, callee]) {
        const stream = await media.getUserMedia({ audio: true });
        for (const t of stream.getTracks()) side.pc.addTrack(t, stream);
      }
      // The first exchange, as the engine does it (offer, answer), then trickled candidates.
      const offer = await caller.pc.createOffer();
      await caller.pc.setLocalDescription(offer);
      await callee.pc.setRemoteDescription(offer);
      const answer = await callee.pc.createAnswer();
      await callee.pc.setLocalDescription(answer);
      await caller.pc.setRemoteDescription(answer);
      await until(() => caller.pc.connectionState === 'connected' && callee.pc.connectionState === 'connected', 'the first connection');
      const before = { caller: ufrag(caller.pc, 'local'), callee: ufrag(callee.pc, 'local') };

      // Both ask at the same moment: the offers cross.
      await Promise.all([caller.renegotiation.request({ iceRestart: true }), callee.renegotiation.request({ iceRestart: true })]);
      await until(
        () => caller.pc.signalingState === 'stable' && callee.pc.signalingState === 'stable' && caller.restarts >= 1 && callee.restarts >= 1,
        'both sides stable after a restart',
      );
      assert.ok(caller.logs.some((l) => l.includes('crossing offer ignored')), 'the offers did cross (the caller kept its own)');
      assert.notEqual(ufrag(caller.pc, 'local'), before.caller, 'the caller has new ICE credentials');
      assert.notEqual(ufrag(callee.pc, 'local'), before.callee, 'the callee has new ICE credentials');
      assert.equal(ufrag(caller.pc, 'remote'), ufrag(callee.pc, 'local'), 'each side knows the other side current credentials');
      assert.equal(ufrag(callee.pc, 'remote'), ufrag(caller.pc, 'local'));
      await until(() => caller.pc.connectionState === 'connected' && callee.pc.connectionState === 'connected', 'connected after the restart');
      for (const side of [caller, callee]) {
        const b = await inboundBytes(side.pc);
        await new Promise((r) => setTimeout(r, 500));
        assert.ok((await inboundBytes(side.pc)) > b, `${side.name} still receives media`);
      }
    } finally {
      caller.pc.close();
      callee.pc.close();
      media.close();
    }
  });
});
