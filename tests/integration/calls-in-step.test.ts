import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectApiError } from '../helpers/recorder.js';
import { CallWorld } from './calls-harness.js';
import { trickle, ADDR } from './calls-fixtures.js';

/**
 * Candidates in step (docs/calls.md): the answering device sends what it gathered while ringing with
 * calls.accept, and both sides get each other's candidates at the same moment; with nothing
 * gathered yet, the caller's wait for the callee's first trickled candidate (or a second).
 */
for (const backend of BACKENDS) {
  describe(`calls: candidates in step [${backend}]`, () => {
    let t: TestServer;
    let w: CallWorld;
    before(async () => {
      // A small candidate budget, so that the limit test stays under the schema's 64 per request.
      t = await startTestServer(backend, { calls: { maxCandidates: 20 } });
      w = new CallWorld(t, 'step');
    });
    after(async () => {
      w.close();
      await t.close();
    });

    it('the callee answers with its candidates: the caller gets them right after call.accepted, the callee gets the caller\'s in the result', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const { callId } = await w.start(alice, bob);
      await w.event(bob, 'call.incoming', callId);
      const tc = trickle('caller');
      await w.candidate(alice, callId, tc.srflx);
      const cb = trickle('callee', 62000);
      const accepted = await w.accept(bob, callId, { candidates: [cb.host, cb.relay] });
      assert.equal(accepted.candidates.length, 7, 'the offer\'s 6 and the trickled one');
      await w.event(alice, 'call.accepted', callId);
      const got = await w.event(alice, 'call.candidate', callId, (d) => d.candidate.candidate.includes(' typ relay'));
      // Sanitised like any trickled candidate: the relay's related address is zeroed.
      assert.equal(got.candidate.candidate, `candidate:5 1 udp 41885439 ${ADDR.relay} 62004 typ relay raddr 0.0.0.0 rport 0 generation 0 ufrag abcd network-id 1`);
      assert.deepEqual(w.events(alice, 'call.candidate', callId).map((d) => d.candidate.candidate), [cb.host, got.candidate.candidate], 'both, in order');
      // The order on the caller's channel: the answer first, then the candidates it introduced.
      const types = alice.device.events.filter((e) => (e.data as { callId?: string }).callId === callId).map((e) => e.type);
      assert.deepEqual(types.slice(types.indexOf('call.accepted')), ['call.accepted', 'call.candidate', 'call.candidate']);
      await w.hangup(alice, callId);
    });

    it('candidates sent with the answer are sanitised like trickled ones; a malformed one refuses the answer before anything changes', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const { callId } = await w.start(alice, bob);
      await w.event(bob, 'call.incoming', callId);
      const cb = trickle('callee', 62100);
      await expectApiError(w.accept(bob, callId, { candidates: [cb.host, 'candidate:x'] }), 'bad_candidate');
      await w.barrier(alice);
      assert.equal(w.events(alice, 'call.accepted', callId).length, 0, 'the caller heard of no answer');
      assert.equal(w.events(alice, 'call.candidate', callId).length, 0, 'nor of any candidate');
      const weird = `candidate:7 1 udp 5 ${ADDR.callee.v4} 62107 typ weird generation 0`;
      const accepted = await w.accept(bob, callId, { candidates: [weird, cb.srflx] });
      assert.equal(accepted.candidates.length, 6);
      const got = await w.event(alice, 'call.candidate', callId);
      assert.equal(got.candidate.candidate, `candidate:3 1 udp 1686052607 ${ADDR.callee.pub} 62102 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag abcd network-id 1`, 'the host address behind it is not passed on');
      await w.barrier(alice);
      assert.equal(w.events(alice, 'call.candidate', callId).length, 1, 'the unknown type was dropped');
      await w.hangup(alice, callId);
    });

    it('answered before gathering anything: the caller\'s candidates (held, and trickled meanwhile) go out with the callee\'s first', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const { callId } = await w.start(alice, bob);
      await w.event(bob, 'call.incoming', callId);
      const accepted = await w.accept(bob, callId, { candidates: [] });
      assert.deepEqual(accepted.candidates, [], 'held for now');
      await w.event(alice, 'call.accepted', callId);
      // A caller candidate trickled now is held with the others, not sent ahead of them.
      const tc = trickle('caller', 61500);
      await w.candidate(alice, callId, tc.relay);
      await w.barrier(bob);
      assert.equal(w.events(bob, 'call.candidate', callId).length, 0, 'nothing for the callee before its first candidate');
      const cb = trickle('callee', 62200);
      await w.candidate(bob, callId, cb.host);
      assert.equal((await w.event(alice, 'call.candidate', callId)).candidate.candidate, cb.host);
      await bob.device.until(() => w.events(bob, 'call.candidate', callId).length === 7, 'the caller\'s 7 candidates');
      const toBob = w.events(bob, 'call.candidate', callId).map((d) => d.candidate.candidate);
      assert.match(toBob.at(-1)!, / 61504 typ relay /, 'the one trickled during the hold comes last');
      // Afterwards the caller's candidates flow at once again.
      await w.candidate(alice, callId, trickle('caller', 61600).host);
      await bob.device.until(() => w.events(bob, 'call.candidate', callId).length === 8, 'the next caller candidate');
      await w.hangup(alice, callId);
    });

    it('a callee that never sends a candidate still gets the caller\'s after a second', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const { callId } = await w.start(alice, bob);
      await w.event(bob, 'call.incoming', callId);
      const t0 = Date.now();
      await w.accept(bob, callId, { candidates: [] });
      await bob.device.until(() => w.events(bob, 'call.candidate', callId).length === 6, 'the caller\'s 6 candidates');
      assert.ok(Date.now() - t0 >= 900, 'held until the release timer');
      await w.hangup(alice, callId);
    });

    it('too many candidates with the answer: refused, and the call is still ringing (not half answered)', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const { callId } = await w.start(alice, bob);
      await w.event(bob, 'call.incoming', callId);
      const many = Array.from({ length: 21 }, (_, i) => trickle('callee', 20000 + i * 10).host);
      await expectApiError(w.accept(bob, callId, { candidates: many }), 'too_many_candidates');
      await w.barrier(alice);
      assert.equal(w.events(alice, 'call.accepted', callId).length, 0, 'the caller heard of no answer');
      const accepted = await w.accept(bob, callId, { candidates: [trickle('callee', 62300).host] });
      assert.equal(accepted.candidates.length, 6);
      await w.hangup(alice, callId);
    });
  });
}
