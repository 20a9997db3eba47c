import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectApiError } from '../helpers/recorder.js';
import { CallWorld, hex32 } from './calls-harness.js';
import { trickle, ADDR, ownAddresses, mentions, sdp } from './calls-fixtures.js';
import { parseCandidate } from '../../src/calls/candidate.js';

/** Signaling over real servers (issue 4, docs/calls.md): the call's life from start to the log. */
for (const backend of BACKENDS) {
  describe(`calls signaling [${backend}]`, () => {
    let t: TestServer;
    let w: CallWorld;
    before(async () => {
      t = await startTestServer(backend);
      w = new CallWorld(t, 'sig');
    });
    after(async () => {
      w.close();
      await t.close();
    });

    it('full flow: two callee devices ring, one answers, the other stops; reveal, candidates both ways, hangup, both logs', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const bob2 = await w.device(bob);

      const prep = await w.prepare(alice, bob);
      assert.deepEqual(prep, { relayOnly: false, relays: [] });
      const commitment = hex32();
      const started = await w.start(alice, bob, { offer: 'offer-video', video: true, commitment });
      assert.match(started.callId, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(started.ringing, 2);
      assert.ok(started.expiresAt > Date.now());

      const [in1, in2] = await Promise.all([w.event(bob, 'call.incoming', started.callId), w.event(bob2, 'call.incoming', started.callId)]);
      assert.deepEqual(in1.from, { accountId: alice.id, username: alice.name, displayName: alice.name });
      assert.equal(in1.video, true);
      assert.equal(in1.commitment, commitment);
      assert.equal(in1.relayOnly, false);
      assert.equal(in1.expiresAt, started.expiresAt);
      assert.equal(in2.offer.sdp, in1.offer.sdp);
      assert.deepEqual(await w.event(alice, 'call.ringing', started.callId), { callId: started.callId, devices: 2 });

      // Trickled by the caller while ringing: held by the server, not sent to anyone.
      const tc = trickle('caller');
      assert.deepEqual(await w.candidate(alice, started.callId, tc.srflx), { ok: true });

      const nonce = hex32();
      const accepted = await w.accept(bob, started.callId, { answer: 'answer-video', nonce });
      // The offer's 12 candidates plus the trickled one, sanitised, to the answering device only.
      assert.equal(accepted.candidates.length, 13);
      assert.ok(accepted.candidates.every((c) => parseCandidate(c.candidate).relAddr === null || parseCandidate(c.candidate).relAddr === '0.0.0.0'));
      assert.deepEqual(accepted.candidates.at(-1), { candidate: `candidate:3 1 udp 1686052607 ${ADDR.caller.pub} 61002 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag abcd network-id 1`, sdpMid: '0', sdpMLineIndex: 0 });
      const acc = await w.event(alice, 'call.accepted', started.callId);
      assert.equal(acc.nonce, nonce);
      assert.equal(acc.answer.type, 'answer');
      assert.ok(acc.answer.sdp.includes('a=fingerprint:sha-256 '));
      assert.deepEqual(await w.event(bob2, 'call.ended', started.callId), { callId: started.callId, reason: 'answered_elsewhere', durationMs: null });

      const revealNonce = hex32();
      await alice.client.call('calls.reveal', { callId: started.callId, nonce: revealNonce });
      assert.deepEqual(await w.event(bob, 'call.reveal', started.callId), { callId: started.callId, nonce: revealNonce });

      // Candidates both ways, now forwarded as events to the other party's one device.
      await w.candidate(alice, started.callId, tc.relay);
      const toBob = await w.event(bob, 'call.candidate', started.callId);
      assert.equal(toBob.candidate.candidate, `candidate:5 1 udp 41885439 ${ADDR.relay} 61004 typ relay raddr 0.0.0.0 rport 0 generation 0 ufrag abcd network-id 1`);
      const cb = trickle('callee', 62000);
      await w.candidate(bob, started.callId, cb.host);
      const toAlice = await w.event(alice, 'call.candidate', started.callId);
      assert.equal(toAlice.candidate.candidate, cb.host);
      await w.candidate(bob, started.callId, { candidate: '', sdpMid: '0', sdpMLineIndex: 0 });
      await w.event(alice, 'call.candidate', started.callId, (d) => d.candidate.candidate === '');

      // Renegotiation both ways (ICE restart).
      await alice.client.call('calls.describe', { callId: started.callId, description: { type: 'offer', sdp: in1.offer.sdp } });
      assert.equal((await w.event(bob, 'call.description', started.callId)).description.type, 'offer');
      await bob.client.call('calls.describe', { callId: started.callId, description: { type: 'answer', sdp: acc.answer.sdp } });
      assert.equal((await w.event(alice, 'call.description', started.callId)).description.type, 'answer');

      await w.barrier(bob2);
      assert.equal(w.events(bob2, 'call.candidate').length + w.events(bob2, 'call.reveal').length + w.events(bob2, 'call.description').length, 0, 'the other callee device got nothing after the answer');

      assert.deepEqual(await w.hangup(alice, started.callId), { ok: true });
      const ended = await w.event(bob, 'call.ended', started.callId);
      assert.equal(ended.reason, 'hangup');
      assert.ok(ended.durationMs !== null && ended.durationMs >= 0);

      // One row per party, pushed as call.log to every device of each account.
      const [aRow, bRow, b2Row] = await Promise.all([w.logUpdate(alice, started.callId), w.logUpdate(bob, started.callId), w.logUpdate(bob2, started.callId)]);
      assert.deepEqual(b2Row, bRow);
      assert.equal(aRow.direction, 'outgoing');
      assert.equal(bRow.direction, 'incoming');
      for (const row of [aRow, bRow]) {
        assert.equal(row.outcome, 'answered');
        assert.equal(row.video, true);
        assert.equal(row.silenced, false);
        assert.ok(row.answeredAt !== null && row.durationMs === row.endedAt - row.answeredAt);
      }
      assert.deepEqual(aRow.peer, { accountId: bob.id, username: bob.name, displayName: bob.name });
      assert.deepEqual((await w.log(alice))[0], aRow);
      assert.deepEqual((await w.log(bob))[0], bRow);
      // A row holds no address and no device.
      for (const a of [...ownAddresses('caller'), ...ownAddresses('callee')]) assert.ok(!mentions(JSON.stringify([aRow, bRow]), a));
      assert.ok(!('deviceId' in aRow));

      // Over: the parties get call_ended, an outsider call_not_found.
      await expectApiError(w.hangup(alice, started.callId), 'call_ended', 409);
      await expectApiError(w.candidate(bob, started.callId, cb.relay), 'call_ended', 409);
      const eve = await w.user('eve');
      await expectApiError(w.hangup(eve, started.callId), 'call_not_found', 404);
    });

    it('decline on one device ends the call for the caller (declined) and the other devices (declined_elsewhere)', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const bob2 = await w.device(bob);
      const { callId } = await w.start(alice, bob);
      await w.event(bob2, 'call.incoming', callId);
      assert.deepEqual(await bob.client.call('calls.decline', { callId }), { ok: true });
      assert.equal((await w.event(alice, 'call.ended', callId)).reason, 'declined');
      assert.equal((await w.event(bob2, 'call.ended', callId)).reason, 'declined_elsewhere');
      assert.equal((await w.logUpdate(alice, callId)).outcome, 'declined');
      const row = await w.logUpdate(bob2, callId);
      assert.deepEqual([row.outcome, row.durationMs, row.answeredAt], ['declined', null, null]);
      // Both free again: a new call between them rings.
      const again = await w.start(bob, alice);
      assert.equal(again.ringing, 1);
      await w.hangup(bob, again.callId);
    });

    it('decline busy: the caller hears busy, both rows say busy', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const { callId } = await w.start(alice, bob);
      await w.event(bob, 'call.incoming', callId);
      await bob.client.call('calls.decline', { callId, busy: true });
      assert.equal((await w.event(alice, 'call.ended', callId)).reason, 'busy');
      assert.equal((await w.logUpdate(alice, callId)).outcome, 'busy');
      assert.equal((await w.logUpdate(bob, callId)).outcome, 'busy');
    });

    it('hangup by a rung device while ringing is a decline; cancel by the caller: cancelled for the caller, missed for the callee', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const bob2 = await w.device(bob);
      const first = await w.start(alice, bob);
      await w.event(bob, 'call.incoming', first.callId);
      await w.hangup(bob2, first.callId);
      assert.equal((await w.event(alice, 'call.ended', first.callId)).reason, 'declined');
      assert.equal((await w.event(bob, 'call.ended', first.callId)).reason, 'declined_elsewhere');

      const second = await w.start(alice, bob);
      await Promise.all([w.event(bob, 'call.incoming', second.callId), w.event(bob2, 'call.incoming', second.callId)]);
      await w.hangup(alice, second.callId);
      for (const d of [bob, bob2]) assert.deepEqual(await w.event(d, 'call.ended', second.callId), { callId: second.callId, reason: 'cancelled', durationMs: null });
      assert.equal((await w.logUpdate(alice, second.callId)).outcome, 'cancelled');
      assert.equal((await w.logUpdate(bob2, second.callId)).outcome, 'missed');
      await w.barrier(alice);
      assert.equal(w.events(alice, 'call.ended', second.callId).length, 0, 'the device that hung up is not told');
    });

    it('callee busy: refused with callee_busy, both rows busy; a caller in a call cannot start another', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const carol = await w.user('carol');
      const { callId } = await w.start(alice, bob);
      await w.accept(bob, callId);

      await expectApiError(w.start(carol, bob), 'callee_busy', 409);
      const carolRow = await w.logUpdate(carol, (await w.log(carol))[0]!.callId);
      assert.deepEqual([carolRow.outcome, carolRow.direction, carolRow.peer.accountId], ['busy', 'outgoing', bob.id]);
      const bobRow = await w.logUpdate(bob, carolRow.callId);
      assert.deepEqual([bobRow.outcome, bobRow.direction], ['busy', 'incoming']);
      // The caller of a live call (ringing or active) is busy too, and cannot call out.
      await expectApiError(w.start(carol, alice), 'callee_busy', 409);
      await expectApiError(w.start(alice, carol), 'call_in_progress', 409);
      await expectApiError(w.start(bob, carol), 'call_in_progress', 409);
      await w.barrier(bob);
      assert.equal(w.events(bob, 'call.incoming').length, 1, 'the busy attempt did not ring');

      await w.hangup(bob, callId);
      const free = await w.start(carol, bob);
      assert.equal(free.ringing, 1);
      await w.hangup(carol, free.callId);
    });

    it('callee offline: callee_unavailable, a missed row for the callee and an outgoing missed row for the caller', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      await w.disconnect(bob);
      await expectApiError(w.start(alice, bob), 'callee_unavailable', 409);
      const rows = await w.log(alice);
      assert.deepEqual([rows[0]!.outcome, rows[0]!.direction], ['missed', 'outgoing']);
      const bobRows = await w.log(bob);
      assert.deepEqual([bobRows[0]!.outcome, bobRows[0]!.direction, bobRows[0]!.callId, bobRows[0]!.silenced], ['missed', 'incoming', rows[0]!.callId, false]);
      // A device that comes back sees it in its log and in the update log it replays.
      const back = await w.device(bob);
      const diff = await back.client.call<{ updates: Array<{ type: string }> }>('updates.difference', { pts: 0 });
      assert.ok(diff.updates.some((u) => u.type === 'call.log'));
    });

    it('the caller device needs an open update channel (device_offline)', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const offline = await w.device(alice, { connect: false });
      await expectApiError(offline.client.call('calls.start', { calleeId: bob.id, video: false, offer: { type: 'offer', sdp: 'v=0' }, commitment: hex32() }), 'device_offline', 409);
      // prepare needs no channel: it only answers a question.
      assert.equal((await w.prepare(offline, bob)).relayOnly, false);
    });

    it('silence unknown callers: no device rings, ringing 0; a contact still rings', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const friend = await w.user('friend');
      await w.settings(bob, { silenceUnknown: true });
      await bob.client.call('contacts.add', { accountId: friend.id });

      const silenced = await w.start(alice, bob);
      assert.equal(silenced.ringing, 0);
      assert.deepEqual(await w.event(alice, 'call.ringing', silenced.callId), { callId: silenced.callId, devices: 0 });
      // The silenced call does not make bob busy: his contact rings.
      const call = await w.start(friend, bob);
      assert.equal(call.ringing, 1);
      await w.event(bob, 'call.incoming', call.callId);
      await w.hangup(friend, call.callId);
      await w.hangup(alice, silenced.callId);
      const row = await w.logUpdate(bob, silenced.callId);
      assert.deepEqual([row.outcome, row.silenced], ['missed', true]);
      // The caller's row does not tell that it was silenced.
      assert.equal((await w.logUpdate(alice, silenced.callId)).silenced, false);
      await w.barrier(bob);
      assert.deepEqual(w.events(bob, 'call.incoming', silenced.callId), []);
      assert.deepEqual(w.events(bob, 'call.ended', silenced.callId), []);
    });

    it('log paging newest first, limit ≤ 100; sweep deletes rows past calls.logRetentionDays', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { callId } = await w.start(alice, bob);
        await w.hangup(alice, callId);
        await w.logUpdate(alice, callId);
        ids.push(callId);
      }
      const page1 = await w.log(alice, { limit: 2 });
      const page2 = await w.log(alice, { limit: 2, beforeId: page1[1]!.id });
      const page3 = await w.log(alice, { limit: 2, beforeId: page2[1]!.id });
      assert.deepEqual([...page1, ...page2, ...page3].map((r) => r.callId), [...ids].reverse());
      await expectApiError(w.log(alice, { limit: 101 }), 'validation_failed', 400);

      const db = t.server.services.database.db;
      const old = Date.now() - (t.server.services.config.calls.logRetentionDays + 1) * 86_400_000;
      await db.updateTable('call_log').set({ ended_at: old }).where('call_id', 'in', ids.slice(0, 2)).execute();
      assert.equal(await t.server.services.calls.sweep(), 4, 'two calls, two rows each');
      assert.deepEqual((await w.log(alice)).map((r) => r.callId), ids.slice(2).reverse());
      assert.deepEqual((await w.log(bob)).map((r) => r.callId), ids.slice(2).reverse());
    });

    it('settings: defaults without a row, partial updates, validation', async () => {
      const alice = await w.user('alice');
      assert.deepEqual(await alice.client.call('calls.settings'), { protectIp: false, p2pWith: 'everyone', whoCanCall: 'everyone', silenceUnknown: false });
      assert.deepEqual(await w.settings(alice, { protectIp: true }), { protectIp: true, p2pWith: 'everyone', whoCanCall: 'everyone', silenceUnknown: false });
      assert.deepEqual(await w.settings(alice, { whoCanCall: 'contacts', p2pWith: 'nobody' }), { protectIp: true, p2pWith: 'nobody', whoCanCall: 'contacts', silenceUnknown: false });
      assert.deepEqual(await alice.client.call('calls.settings'), { protectIp: true, p2pWith: 'nobody', whoCanCall: 'contacts', silenceUnknown: false });
      await expectApiError(w.settings(alice, { whoCanCall: 'friends' as never }), 'validation_failed', 400);
      await expectApiError(alice.client.call('calls.updateSettings', { protectIp: true, extra: 1 }), 'validation_failed', 400);
    });

    it('settings changed on one device reach the account\'s other devices (call.settings update, also in the HTTP difference)', async () => {
      const alice = await w.user('alice');
      const phone = await w.device(alice);
      const from = (await alice.client.difference(0)).pts;
      await w.settings(alice, { protectIp: true, silenceUnknown: true });
      const expected = { protectIp: true, p2pWith: 'everyone', whoCanCall: 'everyone', silenceUnknown: true };
      assert.deepEqual((await phone.device.next('call.settings')).settings, expected);
      assert.deepEqual((await alice.device.next('call.settings')).settings, expected, 'the changing device too (its other tabs)');
      // A refused change writes nothing.
      await expectApiError(w.settings(alice, { p2pWith: 'strangers' as never }), 'validation_failed', 400);
      const diff = await phone.client.difference(from);
      assert.deepEqual(diff.updates.filter((u) => u.type === 'call.settings').map((u) => u.data), [{ settings: expected }]);
    });

    it('hangup with reason failed (the engine gave up on the media path): the other side hears failed, both logs say failed', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const { callId } = await w.start(alice, bob);
      await w.event(bob, 'call.incoming', callId);
      await w.accept(bob, callId);
      await bob.client.call('calls.hangup', { callId, reason: 'failed' });
      assert.equal((await w.event(alice, 'call.ended', callId)).reason, 'failed');
      const [la, lb] = await Promise.all([w.logUpdate(alice, callId), w.logUpdate(bob, callId)]);
      assert.deepEqual([la.outcome, lb.outcome], ['failed', 'failed']);
      await expectApiError(alice.client.call('calls.hangup', { callId: 'x', reason: 'bored' }), 'validation_failed', 400);
    });

    it('the operations work over the update channel too', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const started = await alice.device.stream.call<{ callId: string }>('calls.start', { calleeId: bob.id, video: false, offer: { type: 'offer', sdp: sdp('offer-audio') }, commitment: hex32() });
      await w.event(bob, 'call.incoming', started.callId);
      await bob.device.stream.call('calls.decline', { callId: started.callId });
      assert.equal((await w.event(alice, 'call.ended', started.callId)).reason, 'declined');
    });
  });

  describe(`calls signaling: ring timeout [${backend}]`, () => {
    let t: TestServer;
    let w: CallWorld;
    before(async () => {
      t = await startTestServer(backend, { calls: { ringTimeoutMs: 1000 } });
      w = new CallWorld(t, 'tim');
    });
    after(async () => {
      w.close();
      await t.close();
    });

    it('ring timeout: missed for both, call.ended missed to the caller and every rung device', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      const bob2 = await w.device(bob);
      const { callId } = await w.start(alice, bob);
      for (const d of [alice, bob, bob2]) assert.deepEqual(await w.event(d, 'call.ended', callId), { callId, reason: 'missed', durationMs: null });
      assert.equal((await w.logUpdate(alice, callId)).outcome, 'missed');
      const row = await w.logUpdate(bob2, callId);
      assert.deepEqual([row.outcome, row.silenced, row.direction], ['missed', false, 'incoming']);
      await expectApiError(w.accept(bob, callId), 'call_ended', 409);
    });

    it('silenced call times out as missed + silenced', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      await w.settings(bob, { silenceUnknown: true });
      const { callId, ringing } = await w.start(alice, bob);
      assert.equal(ringing, 0);
      assert.equal((await w.event(alice, 'call.ended', callId)).reason, 'missed');
      const row = await w.logUpdate(bob, callId);
      assert.deepEqual([row.outcome, row.silenced], ['missed', true]);
    });
  });

  describe(`calls signaling: disconnects [${backend}]`, () => {
    let t: TestServer;
    let w: CallWorld;
    before(async () => {
      t = await startTestServer(backend, { calls: { disconnectGraceMs: 1500 } });
      w = new CallWorld(t, 'dis');
    });
    after(async () => {
      w.close();
      await t.close();
    });

    it('a party that comes back within the grace keeps the call; one that does not ends it (connection_lost, answered)', async () => {
      const alice = await w.user('alice');
      let bob = await w.user('bob');
      const { callId } = await w.start(alice, bob);
      await w.accept(bob, callId);
      // Offline on the server, back before the grace ends: the call goes on.
      bob = await w.reconnect(bob);
      await w.candidate(bob, callId, trickle('callee').relay);
      await w.event(alice, 'call.candidate', callId);
      // Gone for good: after the grace the caller is told and both rows are written.
      bob.device.close();
      const ended = await w.event(alice, 'call.ended', callId);
      assert.equal(ended.reason, 'connection_lost');
      assert.ok(ended.durationMs !== null);
      const row = await w.logUpdate(alice, callId);
      assert.deepEqual([row.outcome, row.answeredAt !== null], ['answered', true]);
    });

    it('the caller device going away while ringing: the rung devices are told, outcome failed', async () => {
      const carol = await w.user('carol');
      const dave = await w.user('dave');
      const { callId } = await w.start(carol, dave);
      await w.event(dave, 'call.incoming', callId);
      carol.device.close();
      assert.equal((await w.event(dave, 'call.ended', callId)).reason, 'connection_lost');
      const row = await w.logUpdate(dave, callId);
      assert.deepEqual([row.outcome, row.durationMs], ['failed', null]);
    });

    it('a rung device that goes offline is no longer rung (cannot answer); the call keeps ringing on the others', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      let bob2 = await w.device(bob);
      const { callId } = await w.start(alice, bob);
      await w.event(bob2, 'call.incoming', callId);
      bob2 = await w.reconnect(bob2);
      await expectApiError(w.accept(bob2, callId), 'call_not_rung', 403);
      await w.accept(bob, callId);
      await w.event(alice, 'call.accepted', callId);
      await w.hangup(alice, callId);
      assert.equal((await w.logUpdate(bob2, callId)).outcome, 'answered');
    });
  });
}
