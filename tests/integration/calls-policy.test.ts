import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectApiError } from '../helpers/recorder.js';
import { CallWorld, type CallDevice } from './calls-harness.js';

/** Who may call whom (issue 4, "Policy"): refused calls answer with a reason and leave nothing at the callee. */
for (const backend of BACKENDS) {
  describe(`calls policy [${backend}]`, () => {
    let t: TestServer;
    let w: CallWorld;
    before(async () => {
      t = await startTestServer(backend);
      w = new CallWorld(t, 'pol');
    });
    after(async () => {
      w.close();
      await t.close();
    });

    /** prepare and start both refuse with `reason`; the callee got no event and no log row. */
    async function refused(caller: CallDevice, callee: CallDevice, reason: string): Promise<void> {
      const e1 = await expectApiError(w.prepare(caller, callee), 'call_not_allowed', 403);
      assert.deepEqual(e1.data, { reason });
      const e2 = await expectApiError(w.start(caller, callee), 'call_not_allowed', 403);
      assert.deepEqual(e2.data, { reason });
      await w.barrier(callee);
      assert.deepEqual(w.events(callee, 'call.incoming'), []);
      assert.deepEqual(await w.log(callee), []);
      assert.deepEqual(await w.log(caller), [], 'and nothing at the caller either');
    }

    it('who can call me: nobody', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      await w.settings(bob, { whoCanCall: 'nobody' });
      // Even a contact.
      await bob.client.call('contacts.add', { accountId: alice.id });
      await refused(alice, bob, 'nobody');
    });

    it('who can call me: contacts — a stranger is refused, a contact rings', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      await w.settings(bob, { whoCanCall: 'contacts' });
      await refused(alice, bob, 'contacts_only');
      // Alice having bob as a contact does not count: bob's contacts decide.
      await alice.client.call('contacts.add', { accountId: bob.id });
      await expectApiError(w.start(alice, bob), 'call_not_allowed', 403);
      await bob.client.call('contacts.add', { accountId: alice.id });
      const { callId, ringing } = await w.start(alice, bob);
      assert.equal(ringing, 1);
      await w.event(bob, 'call.incoming', callId);
      await w.hangup(alice, callId);
    });

    it('blocked (the callee blocked the caller) and you_blocked (the caller blocked the callee)', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      await bob.client.call('blocks.add', { accountId: alice.id });
      await refused(alice, bob, 'blocked');
      const carol = await w.user('carol');
      await alice.client.call('blocks.add', { accountId: carol.id });
      await refused(alice, carol, 'you_blocked');
      // Unblocked: allowed again.
      await alice.client.call('blocks.remove', { accountId: carol.id });
      const { callId } = await w.start(alice, carol);
      await w.hangup(alice, callId);
    });

    it('self, unknown and disabled callees', async () => {
      const alice = await w.user('alice');
      const alice2 = await w.device(alice);
      const e = await expectApiError(w.start(alice, alice), 'call_not_allowed', 403);
      assert.deepEqual(e.data, { reason: 'self' });
      await w.barrier(alice2);
      assert.deepEqual(w.events(alice2, 'call.incoming'), []);
      await expectApiError(w.start(alice, 2_000_000_000), 'account_not_found', 404);
      await expectApiError(alice.client.call('calls.prepare', { calleeId: 2_000_000_000 }), 'account_not_found', 404);
      const dana = await w.user('dana');
      await t.server.services.accounts.setDisabled(dana.name, true);
      await expectApiError(w.start(alice, dana), 'account_not_found', 404);
    });

    it('policy is checked again at start: a setting changed after prepare applies', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      assert.equal((await w.prepare(alice, bob)).relayOnly, false);
      await w.settings(bob, { whoCanCall: 'nobody' });
      const e = await expectApiError(w.start(alice, bob), 'call_not_allowed', 403);
      assert.deepEqual(e.data, { reason: 'nobody' });
    });

    it('relays_unavailable: a relay-only side with no relay configured', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      await w.settings(alice, { protectIp: true });
      await expectApiError(w.prepare(alice, bob), 'relays_unavailable', 503);
      await expectApiError(w.start(alice, bob), 'relays_unavailable', 503);
      await w.settings(alice, { protectIp: false });
      // The callee's protection needs a relay as well (which side is protected is not told).
      await w.settings(bob, { protectIp: true });
      await expectApiError(w.start(alice, bob), 'relays_unavailable', 503);
      await w.barrier(bob);
      assert.deepEqual(w.events(bob, 'call.incoming'), []);
      // Without protection on either side, a direct call needs no relay.
      await w.settings(bob, { protectIp: false });
      const { callId } = await w.start(alice, bob);
      await w.hangup(alice, callId);
    });

    it('refusals are counted by reason in the metrics', async () => {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      for (const reason of ['nobody', 'contacts_only', 'blocked', 'you_blocked', 'self', 'relays_unavailable']) {
        assert.match(text, new RegExp(`parley_calls_refused_total\\{reason="${reason}"\\} [1-9]`), reason);
      }
      assert.match(text, /parley_calls_started_total [1-9]/);
      assert.match(text, /parley_calls_active 0/);
    });
  });
}

for (const backend of BACKENDS) {
  describe(`calls disabled [${backend}]`, () => {
    let t: TestServer;
    let w: CallWorld;
    before(async () => {
      t = await startTestServer(backend, { calls: { enabled: false } });
      w = new CallWorld(t, 'off');
    });
    after(async () => {
      w.close();
      await t.close();
    });

    it('calls.enabled false: prepare and start answer unavailable (calls_disabled); settings and the log still answer', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      assert.deepEqual((await expectApiError(w.prepare(alice, bob), 'unavailable', 503)).data, { reason: 'calls_disabled' });
      await expectApiError(w.start(alice, bob), 'unavailable', 503);
      assert.equal((await w.settings(alice, { protectIp: true })).protectIp, true);
      assert.deepEqual(await w.log(alice), []);
    });
  });
}
