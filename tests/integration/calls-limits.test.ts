import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectApiError } from '../helpers/recorder.js';
import { CallWorld } from './calls-harness.js';

/** Ring bombing: call attempts per account and minute are limited (src/calls/start-limit.ts). */
for (const backend of BACKENDS) {
  describe(`calls start limit [${backend}]`, () => {
    let t: TestServer;
    let w: CallWorld;
    before(async () => {
      t = await startTestServer(backend, { calls: { maxStartsPerMinute: 3 } });
      w = new CallWorld(t, 'lim');
    });
    after(async () => {
      w.close();
      await t.close();
    });

    it('the fourth start-and-cancel in a minute is refused with rate_limited and retryAfterMs; nothing rings', async () => {
      const alice = await w.user('alice');
      const bob = await w.user('bob');
      for (let i = 0; i < 3; i++) {
        const { callId } = await w.start(alice, bob);
        await w.event(bob, 'call.incoming', callId);
        await w.hangup(alice, callId);
      }
      const rings = w.events(bob, 'call.incoming').length;
      const e = await expectApiError(w.start(alice, bob), 'rate_limited', 429);
      assert.ok(typeof e.data?.retryAfterMs === 'number' && e.data.retryAfterMs > 0 && e.data.retryAfterMs <= 60_000, `retryAfterMs ${String(e.data?.retryAfterMs)}`);
      await w.barrier(bob);
      assert.equal(w.events(bob, 'call.incoming').length, rings, 'the refused attempt did not ring');
      // Another account is not affected.
      const carol = await w.user('carol');
      const { callId } = await w.start(carol, bob);
      await w.event(bob, 'call.incoming', callId);
      await w.hangup(carol, callId);
    });
  });
}
