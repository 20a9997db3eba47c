import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectApiError } from '../helpers/recorder.js';
import { CallWorld, type CallDevice } from './calls-harness.js';
import { ADDR, mentions, ownAddresses, sdp, trickle } from './calls-fixtures.js';
import { parseCandidate } from '../../src/calls/candidate.js';

/**
 * The server as the enforcer of call privacy (issue 4; docs/calls.md): nothing of the caller's
 * address reaches a device that has not answered, nothing of the callee's before it answered, and
 * nothing but relay candidates (with raddr 0.0.0.0) of a protected side, whatever its client sends.
 * Relays: the coturn Parley manages (real, on loopback).
 */
for (const backend of BACKENDS) {
  describe(`calls privacy [${backend}]`, () => {
    let t: TestServer;
    let w: CallWorld;
    before(async () => {
      t = await startTestServer(backend, { relays: { managed: { enabled: true, port: 0, listenIp: '127.0.0.1', relayIp: '127.0.0.1', allowLoopbackPeers: true } } });
      w = new CallWorld(t, 'prv');
    });
    after(async () => {
      w.close();
      await t.close();
    });

    /** Everything the device received (events and updates) as one string, to search for addresses. */
    const seen = (u: CallDevice): string => JSON.stringify([u.device.events, u.device.updates]);
    const leaks = (text: string, side: 'caller' | 'callee'): string[] => ownAddresses(side).filter((a) => mentions(text, a));

    it('ringing: the offer on every callee device has no candidate and no caller address; trickled caller candidates are held', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const bob2 = await w.device(bob);
      const { callId } = await w.start(alice, bob, { offer: 'offer-video', video: true });
      const tc = trickle('caller');
      for (const c of Object.values(tc)) await w.candidate(alice, callId, c);
      for (const d of [bob, bob2]) {
        const incoming = await w.event(d, 'call.incoming', callId);
        assert.ok(!incoming.offer.sdp.includes('a=candidate') && !incoming.offer.sdp.includes('end-of-candidates'));
        assert.ok(/^c=IN IP4 0\.0\.0\.0$/m.test(incoming.offer.sdp) && /^o=- \d+ \d+ IN IP4 127\.0\.0\.1$/m.test(incoming.offer.sdp));
        await w.barrier(d);
        assert.deepEqual(leaks(seen(d), 'caller'), [], 'no caller address on a ringing device');
        assert.deepEqual(w.events(d, 'call.candidate'), []);
      }

      // Answered on bob: bob gets the held candidates in the result, bob2 nothing, ever.
      const accepted = await w.accept(bob, callId, { answer: 'answer-video' });
      assert.equal(accepted.candidates.length, 12 + Object.keys(tc).length);
      assert.ok(accepted.candidates.every((c) => { const p = parseCandidate(c.candidate); return p.relAddr === null || p.relAddr === '0.0.0.0'; }));
      await w.candidate(alice, callId, tc.srflx);
      await w.event(bob, 'call.candidate', callId);
      await w.barrier(bob2);
      assert.deepEqual(leaks(seen(bob2), 'caller'), [], 'the device that did not answer never learns the caller address');
      assert.deepEqual(w.events(bob2, 'call.candidate'), []);
      await w.hangup(bob, callId);
    });

    it('no leak before answer: a callee candidate before accept is refused and the caller receives nothing of the callee', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const bob2 = await w.device(bob);
      const { callId } = await w.start(alice, bob);
      await w.event(bob, 'call.incoming', callId);
      const cb = trickle('callee');
      for (const c of Object.values(cb)) await expectApiError(w.candidate(bob, callId, c), 'call_not_answered', 409);
      await w.barrier(alice);
      assert.deepEqual(w.events(alice, 'call.candidate'), []);
      assert.deepEqual(leaks(seen(alice), 'callee'), []);
      // describe is not a way around it either.
      await expectApiError(bob.client.call('calls.describe', { callId, description: { type: 'answer', sdp: sdp('answer-audio') } }), 'call_not_answered', 409);
      // After bob2 answers, its candidates flow; bob's (the other device) are refused.
      await w.accept(bob2, callId);
      await expectApiError(w.candidate(bob, callId, cb.relay), 'call_already_answered', 409);
      await w.candidate(bob2, callId, cb.relay);
      assert.ok((await w.event(alice, 'call.candidate', callId)).candidate.candidate.includes(`${ADDR.relay} 61004 typ relay raddr 0.0.0.0 rport 0`));
      await w.hangup(alice, callId);
    });

    it('protected callee: relay-only on its devices, its host/srflx/prflx/mDNS candidates dropped, the answer shows none of its addresses', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      await w.settings(bob, { protectIp: true });
      const prep = await w.prepare(alice, bob);
      assert.equal(prep.relayOnly, false, 'only the user who enabled it is protected');
      assert.ok(prep.relays.length > 0);
      const { callId } = await w.start(alice, bob, { offer: 'offer-video', video: true });
      const incoming = await w.event(bob, 'call.incoming', callId);
      assert.equal(incoming.relayOnly, true);
      assert.ok(incoming.relays.length > 0 && incoming.relays.every((r) => r.urls.every((u) => /^(turn|stun):/.test(u))));
      // Relay usernames are opaque: never the account id or name.
      assert.ok(incoming.relays.every((r) => !r.username.includes(bob.name) && !r.username.split(':').includes(String(bob.id))));

      await w.accept(bob, callId, { answer: 'answer-video' });
      const cb = trickle('callee');
      for (const k of ['host', 'mdns', 'srflx', 'prflx', 'tcp'] as const) assert.deepEqual(await w.candidate(bob, callId, cb[k]), { ok: true, dropped: true }, k);
      assert.deepEqual(await w.candidate(bob, callId, cb.relay), { ok: true });
      await bob.client.call('calls.describe', { callId, description: { type: 'offer', sdp: sdp('answer-video').replace('a=setup:active', 'a=setup:actpass') } });
      await w.event(alice, 'call.description', callId);
      await w.barrier(alice);

      const accepted = w.events(alice, 'call.accepted', callId)[0]!;
      const relayLines = accepted.answer.sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
      assert.equal(relayLines.length, 2, 'one relay candidate per m-section');
      assert.ok(relayLines.every((l) => / typ relay raddr 0\.0\.0\.0 rport 0( |$)/.test(l)));
      const cands = w.events(alice, 'call.candidate', callId);
      assert.equal(cands.length, 1);
      assert.equal(cands[0]!.candidate.candidate, `candidate:5 1 udp 41885439 ${ADDR.relay} 61004 typ relay raddr 0.0.0.0 rport 0 generation 0 ufrag abcd network-id 1`);
      assert.deepEqual(leaks(seen(alice), 'callee'), [], 'no address of the protected callee reached the caller');
      await w.hangup(alice, callId);
    });

    it('protected caller: relay-only gathering, only its relay candidates held and forwarded, no address of it anywhere on the callee', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      await w.settings(alice, { protectIp: true });
      const prep = await w.prepare(alice, bob);
      assert.equal(prep.relayOnly, true);
      assert.ok(prep.relays.length > 0);
      const { callId } = await w.start(alice, bob, { offer: 'offer-audio-data' });
      assert.equal((await w.event(bob, 'call.incoming', callId)).relayOnly, false, 'the callee is not protected by the caller\'s setting');
      const tc = trickle('caller');
      for (const k of ['host', 'mdns', 'srflx', 'prflx', 'tcp'] as const) assert.deepEqual(await w.candidate(alice, callId, tc[k]), { ok: true, dropped: true }, k);
      await w.candidate(alice, callId, tc.relay);
      const accepted = await w.accept(bob, callId, { answer: 'answer-audio-data' });
      assert.deepEqual(accepted.candidates.map((c) => parseCandidate(c.candidate).type), ['relay', 'relay', 'relay']);
      assert.ok(accepted.candidates.every((c) => c.candidate.includes(' raddr 0.0.0.0 rport 0')));
      assert.deepEqual(leaks(JSON.stringify(accepted), 'caller'), []);
      for (const k of ['host', 'srflx'] as const) await w.candidate(alice, callId, tc[k]);
      await alice.client.call('calls.describe', { callId, description: { type: 'offer', sdp: sdp('offer-audio-data') } });
      const description = await w.event(bob, 'call.description', callId);
      assert.ok(description.description.sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:')).every((l) => l.includes(' typ relay raddr 0.0.0.0 rport 0')));
      await w.barrier(bob);
      assert.deepEqual(w.events(bob, 'call.candidate'), []);
      assert.deepEqual(leaks(seen(bob), 'caller'), [], 'no address of the protected caller reached the callee');
      // The unprotected callee's candidates still reach the caller (its choice), with raddr rewritten.
      const cb = trickle('callee');
      await w.candidate(bob, callId, cb.srflx);
      const got = await w.event(alice, 'call.candidate', callId);
      assert.equal(got.candidate.candidate, `candidate:3 1 udp 1686052607 ${ADDR.callee.pub} 61002 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag abcd network-id 1`);
      await w.hangup(alice, callId);
    });

    it('peer-to-peer setting: nobody and contacts (for a stranger) make that side relay-only, a contact is direct', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      await w.settings(alice, { p2pWith: 'nobody' });
      assert.equal((await w.prepare(alice, bob)).relayOnly, true);
      await w.settings(alice, { p2pWith: 'contacts' });
      assert.equal((await w.prepare(alice, bob)).relayOnly, true, 'bob is not in alice\'s contacts');
      await alice.client.call('contacts.add', { accountId: bob.id });
      assert.equal((await w.prepare(alice, bob)).relayOnly, false);

      // The callee side, from the callee's own settings and contacts.
      await w.settings(bob, { p2pWith: 'contacts' });
      let call = await w.start(alice, bob);
      assert.equal((await w.event(bob, 'call.incoming', call.callId)).relayOnly, true, 'alice is not in bob\'s contacts');
      await w.hangup(alice, call.callId);
      await bob.client.call('contacts.add', { accountId: alice.id });
      call = await w.start(alice, bob);
      assert.equal((await w.event(bob, 'call.incoming', call.callId)).relayOnly, false);
      await w.hangup(alice, call.callId);
      await w.settings(bob, { p2pWith: 'nobody' });
      call = await w.start(alice, bob);
      assert.equal((await w.event(bob, 'call.incoming', call.callId)).relayOnly, true);
      await w.hangup(alice, call.callId);
    });

    it('calls.relays: fresh credentials for the managed relay, opaque usernames', async () => {
      const alice = await w.user('alice');
      const a = await alice.client.call<{ relays: Array<{ id: string; username: string; credential: string; expiresAt: number }> }>('calls.relays');
      const b = await alice.client.call<{ relays: Array<{ id: string; username: string }> }>('calls.relays');
      assert.ok(a.relays.length > 0);
      assert.notEqual(a.relays[0]!.username, b.relays[0]!.username);
      assert.ok(a.relays[0]!.expiresAt - Date.now() <= 3600_000 + 1000);
      assert.ok(!a.relays[0]!.username.includes(alice.name));
    });
  });
}
