import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, Collector, type TestServer } from '../helpers/server.js';
import type { UpdateStream } from '../../src/client/index.js';

for (const backend of BACKENDS) {
  describe(`delivery [${backend}]`, () => {
    let t: TestServer;
    before(async () => { t = await startTestServer(backend); });
    after(async () => { await t.close(); });

    it('a message reaches every device of both accounts once, in order', async () => {
      const alice = await t.user('alice');
      const bob = await t.user('bob');
      // Bob's second device logs in with his password.
      const bob2 = t.client();
      await bob2.login({ username: 'bob', password: bob.password, deviceName: 'bob-2' });
      const chat = await alice.client.openDirect(bob.session.account.id);

      const devices = [alice.client, bob.client, bob2].map((c) => ({ c, col: new Collector() }));
      const streams: UpdateStream[] = devices.map(({ c, col }) => c.connect({ onUpdate: col.onUpdate }));
      await Promise.all(streams.map((s) => s.synced()));

      const N = 50;
      for (let i = 0; i < N; i++) {
        const sender = i % 2 === 0 ? alice.client : bob.client;
        await sender.send(chat.id, `m${i}`);
      }
      const expected = Array.from({ length: N }, (_, i) => `m${i}`);
      for (const { col } of devices) {
        await col.waitFor((u) => u.filter((x) => x.type === 'message.new').length >= N, 20000, 'all messages');
        assert.deepEqual(col.messages(), expected, 'each device sees every message once, in send order');
        const pts = col.updates.map((u) => u.pts);
        assert.deepEqual(pts, [...pts].sort((a, b) => a - b), 'pts strictly increasing');
        assert.equal(new Set(pts).size, pts.length, 'no duplicate pts');
      }
      // Both of Bob's devices see the same account log.
      assert.deepEqual(devices[1]!.col.updates.map((u) => u.pts), devices[2]!.col.updates.map((u) => u.pts));
      for (const s of streams) s.close();
    });

    it('sends over the update channel itself (call frames) are delivered too', async () => {
      const carol = await t.user('carol');
      const dave = await t.user('dave');
      const chat = await carol.client.openDirect(dave.session.account.id);
      const col = new Collector();
      const ds = dave.client.connect({ onUpdate: col.onUpdate });
      const cs = carol.client.connect({});
      await Promise.all([ds.synced(), cs.synced()]);
      const m = await cs.call<{ id: number; text: string }>('messages.send', { chatId: chat.id, randomId: 'ws-1', text: 'over ws' });
      assert.equal(m.text, 'over ws');
      await col.waitFor((u) => u.some((x) => x.type === 'message.new'));
      await assert.rejects(cs.call('messages.send', { chatId: chat.id, randomId: 'x', text: '' }), /message_invalid/);
      await assert.rejects(cs.call('nope.nope', {}), /unknown_operation/);
      ds.close();
      cs.close();
    });
  });
}
