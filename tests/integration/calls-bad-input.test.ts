import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectApiError } from '../helpers/recorder.js';
import { CallWorld, hex32, type CallDevice } from './calls-harness.js';
import { sdp, trickle } from './calls-fixtures.js';

/**
 * Bad input (issue 4): malformed signaling, unknown calls, devices and accounts that are not parties —
 * each gets a clear error, and the call goes on unharmed afterwards.
 */
for (const backend of BACKENDS) {
  describe(`calls bad input [${backend}]`, () => {
    let t: TestServer;
    let w: CallWorld;
    before(async () => {
      t = await startTestServer(backend, { calls: { maxCandidates: 20 } });
      w = new CallWorld(t, 'bad');
    });
    after(async () => {
      w.close();
      await t.close();
    });

    /** A ringing call alice → bob (bob with two devices). */
    async function ringing(): Promise<{ alice: CallDevice; bob: CallDevice; bob2: CallDevice; callId: string }> {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const bob2 = await w.device(bob);
      const { callId } = await w.start(alice, bob);
      await w.event(bob, 'call.incoming', callId);
      return { alice, bob, bob2, callId };
    }

    /** The call still works end to end: answer on `on`, a candidate each way, hang up, both rows answered. */
    async function stillWorks(alice: CallDevice, on: CallDevice, callId: string): Promise<void> {
      await w.accept(on, callId);
      await w.event(alice, 'call.accepted', callId);
      await w.candidate(alice, callId, trickle('caller').relay);
      await w.event(on, 'call.candidate', callId);
      await w.candidate(on, callId, trickle('callee').relay);
      await w.event(alice, 'call.candidate', callId);
      await w.hangup(on, callId);
      assert.equal((await w.logUpdate(alice, callId)).outcome, 'answered');
    }

    it('bad offers: RTP/AVP, no fingerprint, too large, not SDP, malformed candidate — nothing rings', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const offer = sdp('offer-audio');
      const cases: Array<[string, string, string]> = [
        [offer.replace('UDP/TLS/RTP/SAVPF', 'RTP/AVP'), 'bad_sdp', 'media_protocol'],
        [offer.replace(/a=fingerprint:[^\r]*\r\n/, ''), 'bad_sdp', 'no_fingerprint'],
        [offer + 'a=x-padding:'.padEnd(17000, 'x') + '\r\n', 'bad_sdp', 'too_large'],
        ['v=0\r\nthis is not sdp\r\n', 'bad_sdp', 'malformed_line'],
        ['hello', 'bad_sdp', 'no_version'],
        [offer.replace(' typ relay', ' typ'), 'bad_candidate', 'extension'],
      ];
      for (const [text, code, reason] of cases) {
        const e = await expectApiError(w.start(alice, bob, { offer: text }), code, 400);
        assert.equal(e.data?.reason, reason, reason);
      }
      await expectApiError(alice.client.call('calls.start', { calleeId: bob.id, video: false, offer: { type: 'answer', sdp: offer }, commitment: hex32() }), 'validation_failed', 400);
      await expectApiError(alice.client.call('calls.start', { calleeId: bob.id, video: false, offer: { type: 'offer', sdp: offer }, commitment: 'abc' }), 'validation_failed', 400);
      // 12 candidates in the offer plus 10 more per m-section: over calls.maxCandidates (20).
      const extra = Array.from({ length: 10 }, (_, i) => `a=candidate:${i} 1 udp 1 192.0.2.${i} 9 typ host`).join('\r\n');
      await expectApiError(w.start(alice, bob, { offer: sdp('offer-video').replace(/a=ice-options/g, `${extra}\r\na=ice-options`) }), 'too_many_candidates', 429);
      await w.barrier(bob);
      assert.deepEqual(w.events(bob, 'call.incoming'), [], 'no refused offer rang');
      assert.deepEqual(await w.log(alice), [], 'and none made a log row');
      // The pair can still call.
      const { callId } = await w.start(alice, bob);
      await w.event(bob, 'call.incoming', callId);
      await stillWorks(alice, bob, callId);
    });

    it('unknown call ids, and a third account touching the call: call_not_found for everything', async () => {
      const { alice, bob, callId } = await ringing();
      const eve = await w.user('eve');
      const nonce = hex32();
      for (const id of ['nope', 'A'.repeat(22), callId]) {
        await expectApiError(w.accept(eve, id), 'call_not_found', 404);
        await expectApiError(eve.client.call('calls.decline', { callId: id }), 'call_not_found', 404);
        await expectApiError(eve.client.call('calls.reveal', { callId: id, nonce }), 'call_not_found', 404);
        await expectApiError(w.candidate(eve, id, trickle('caller').relay), 'call_not_found', 404);
        await expectApiError(eve.client.call('calls.describe', { callId: id, description: { type: 'offer', sdp: sdp('offer-audio') } }), 'call_not_found', 404);
        await expectApiError(w.hangup(eve, id), 'call_not_found', 404);
      }
      await expectApiError(w.hangup(alice, 'x'.repeat(65)), 'validation_failed', 400);
      // Another device of the caller's account is not the call's device either.
      const alice2 = await w.device(alice);
      await expectApiError(w.hangup(alice2, callId), 'call_not_found', 404);
      await expectApiError(w.candidate(alice2, callId, trickle('caller').relay), 'call_not_found', 404);
      await stillWorks(alice, bob, callId);
    });

    it('answers from a device that was not rung, accept twice, decline after answer, reveal and describe before answer', async () => {
      const { alice, bob, bob2, callId } = await ringing();
      // A device of bob's that came online after the ring, and the caller itself: not rung.
      const bob3 = await w.device(bob);
      await expectApiError(w.accept(bob3, callId), 'call_not_rung', 403);
      await expectApiError(bob3.client.call('calls.decline', { callId }), 'call_not_rung', 403);
      await expectApiError(w.accept(alice, callId), 'call_not_rung', 403);
      await expectApiError(alice.client.call('calls.reveal', { callId, nonce: hex32() }), 'call_not_answered', 409);
      await expectApiError(alice.client.call('calls.describe', { callId, description: { type: 'offer', sdp: sdp('offer-audio') } }), 'call_not_answered', 409);
      // A bad answer is refused and leaves the call ringing.
      await expectApiError(w.accept(bob, callId, { answer: sdp('answer-audio').replace('UDP/TLS/RTP/SAVPF', 'RTP/AVP') }), 'bad_sdp', 400);
      await expectApiError(bob.client.call('calls.accept', { callId, answer: { type: 'offer', sdp: sdp('answer-audio') }, nonce: hex32() }), 'validation_failed', 400);

      await w.accept(bob, callId);
      await expectApiError(w.accept(bob, callId), 'call_already_answered', 409);
      await expectApiError(w.accept(bob2, callId), 'call_already_answered', 409);
      await expectApiError(bob2.client.call('calls.decline', { callId }), 'call_already_answered', 409);
      await expectApiError(w.hangup(bob2, callId), 'call_already_answered', 409);
      await expectApiError(bob.client.call('calls.reveal', { callId, nonce: hex32() }), 'call_not_found', 404);
      // Still a working call.
      await w.candidate(alice, callId, trickle('caller').relay);
      await w.event(bob, 'call.candidate', callId);
      await w.hangup(alice, callId);
      assert.equal((await w.logUpdate(bob2, callId)).outcome, 'answered');
    });

    it('malformed candidates are refused (400) and do not end the call; a flood is refused (429)', async () => {
      const { alice, bob, callId } = await ringing();
      const bad = [
        'candidate:1 1 udp 1 999.1.1.1 1 typ host',
        'a=candidate:1 1 udp 1 192.0.2.1 1 typ host',
        'candidate:1 1 udp 1 192.0.2.1 1 typ host\r\na=candidate:2 1 udp 1 192.0.2.2 1 typ host',
        'candidate:1 1 udp 1 192.0.2.1',
        'garbage',
      ];
      for (const c of bad) await expectApiError(w.candidate(alice, callId, c), 'bad_candidate', 400);
      await expectApiError(w.candidate(alice, callId, { candidate: trickle('caller').relay }), 'bad_candidate', 400);
      await expectApiError(alice.client.call('calls.candidate', { callId, candidate: { candidate: 'x', sdpMLineIndex: -1 } }), 'validation_failed', 400);
      await stillWorks(alice, bob, callId);

      // A flood: the offer's 6 candidates and 14 trickled make 20 (calls.maxCandidates); the 21st is refused.
      const again = await ringing();
      for (let i = 0; i < 14; i++) await w.candidate(again.alice, again.callId, trickle('caller', 30000 + i * 10).relay);
      await expectApiError(w.candidate(again.alice, again.callId, trickle('caller').relay), 'too_many_candidates', 429);
      const accepted = await w.accept(again.bob, again.callId);
      assert.equal(accepted.candidates.length, 6 + 14);
    });

    it('candidates, accept and hangup for ended calls: call_ended for the parties', async () => {
      const { alice, bob, bob2, callId } = await ringing();
      await w.hangup(alice, callId);
      await expectApiError(w.candidate(alice, callId, trickle('caller').relay), 'call_ended', 409);
      await expectApiError(w.candidate(bob, callId, trickle('callee').relay), 'call_ended', 409);
      await expectApiError(w.accept(bob2, callId), 'call_ended', 409);
      await expectApiError(bob.client.call('calls.decline', { callId }), 'call_ended', 409);
      await expectApiError(w.hangup(alice, callId), 'call_ended', 409);
      await expectApiError(alice.client.call('calls.describe', { callId, description: { type: 'offer', sdp: sdp('offer-audio') } }), 'call_ended', 409);
      // Nothing is stuck: both can call again.
      const next = await w.start(bob, alice);
      await w.event(alice, 'call.incoming', next.callId);
      await stillWorks(bob, alice, next.callId);
    });
  });
}
