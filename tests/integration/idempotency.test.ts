import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, Collector, type TestServer } from '../helpers/server.js';
import { ApiError, type ParleyClient, type UpdateStream } from '../../src/client/index.js';
import { AppError } from '../../src/kernel/errors.js';
import type { ChatView, MessageView } from '../../src/protocol/views.js';

const CONCURRENT = 18;
const ROUNDS = 10;

/** An invalid randomId is refused with a stable code that names it, never with a generic error. */
function assertRandomIdRefused(err: unknown, what: string): true {
  assert.ok(err instanceof ApiError, `${what}: ${String(err)}`);
  if (err.status !== 0) assert.equal(err.status, 400, what);
  // The domain answers random_id_invalid; the API's schema check runs first and answers
  // validation_failed naming the field (tests/integration/bad-input.test.ts pins that form).
  const named = err.code === 'random_id_invalid' || (err.code === 'validation_failed' && err.data?.field === 'randomId');
  assert.ok(named, `${what}: answered ${err.code} ${JSON.stringify(err.data)}`);
  return true;
}

for (const backend of BACKENDS) {
  describe(`idempotent send [${backend}]`, () => {
    let t: TestServer;
    let alice: { client: ParleyClient; id: number; deviceId: number };
    let bob: { client: ParleyClient; id: number };
    let group: ChatView;
    let direct: ChatView;
    /** Alice's two devices and Bob's device, each with its update channel. */
    let aliceWs: UpdateStream;
    let alice2Ws: UpdateStream;
    let bobWs: UpdateStream;
    const cols = { alice: new Collector(), alice2: new Collector(), bob: new Collector() };
    let settles = 0;

    before(async () => {
      t = await startTestServer(backend);
      const a = await t.user('alice');
      const b = await t.user('bob');
      const c = await t.user('carol');
      alice = { client: a.client, id: a.session.account.id, deviceId: a.session.deviceId };
      bob = { client: b.client, id: b.session.account.id };
      group = await a.client.createGroup('idem', [bob.id]);
      direct = await a.client.openDirect(c.session.account.id);
      const a2 = t.client();
      await a2.login({ username: 'alice', password: a.password, deviceName: 'alice-2' });
      aliceWs = a.client.connect({ onUpdate: cols.alice.onUpdate });
      alice2Ws = a2.connect({ onUpdate: cols.alice2.onUpdate });
      bobWs = b.client.connect({ onUpdate: cols.bob.onUpdate });
      await Promise.all([aliceWs.synced(), alice2Ws.synced(), bobWs.synced()]);
    });
    after(async () => {
      for (const s of [aliceWs, alice2Ws, bobWs]) s?.close();
      await t.close();
    });

    /** Updates arrive in pts order: once a later message is everywhere, any duplicate would be too. */
    async function settle(): Promise<void> {
      const randomId = `settle-${++settles}`;
      await bob.client.send(group.id, randomId, { randomId });
      for (const [name, col] of Object.entries(cols)) {
        await col.waitFor((us) => us.some((u) => u.type === 'message.new' && u.data.message.randomId === randomId), 20000, `${name} to see ${randomId}`);
      }
    }

    /** Messages with `randomId` from `senderId` that each device was told about. */
    function seenBy(randomId: string, senderId: number): Record<string, number[]> {
      const out: Record<string, number[]> = {};
      for (const [name, col] of Object.entries(cols)) {
        out[name] = col.updates.flatMap((u) => (u.type === 'message.new' && u.data.message.randomId === randomId && u.data.message.senderId === senderId ? [u.data.message.id] : []));
      }
      return out;
    }

    async function history(chatId: number, client: ParleyClient = alice.client): Promise<MessageView[]> {
      const all: MessageView[] = [];
      for (let beforeId: number | undefined; ;) {
        const page = await client.history(chatId, { limit: 100, ...(beforeId ? { beforeId } : {}) });
        all.push(...page);
        if (page.length < 100) return all;
        beforeId = page.at(-1)!.id;
      }
    }

    it('the same randomId sent again (HTTP, then over the update channel) returns the first message and creates no second', async () => {
      const first = await alice.client.send(group.id, 'first text', { randomId: 'seq-1' });
      const again = await alice.client.send(group.id, 'first text', { randomId: 'seq-1' });
      assert.deepEqual(again, first);
      const overWs = await aliceWs.call<MessageView>('messages.send', { chatId: group.id, randomId: 'seq-1', text: 'first text' });
      assert.deepEqual(overWs, first);
      // A retry is recognised by its randomId alone: the first message stands.
      const changed = await alice2Ws.call<MessageView>('messages.send', { chatId: group.id, randomId: 'seq-1', text: 'a different text' });
      assert.deepEqual(changed, first);

      await settle();
      assert.deepEqual(seenBy('seq-1', alice.id), { alice: [first.id], alice2: [first.id], bob: [first.id] }, 'each device saw it once');
      const h = (await history(group.id, bob.client)).filter((m) => m.randomId === 'seq-1');
      assert.deepEqual(h, [first], 'history holds it once');
    });

    it(`${CONCURRENT} concurrent sends of one randomId, over HTTP and two update channels, yield one message (${ROUNDS} rounds)`, async () => {
      const firsts: MessageView[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const randomId = `conc-${r}`;
        const params = { chatId: group.id, randomId, text: `concurrent ${r}` };
        const results = await Promise.all(
          Array.from({ length: CONCURRENT }, (_, i) => {
            if (i % 3 === 0) return alice.client.call<MessageView>('messages.send', params);
            return (i % 3 === 1 ? aliceWs : alice2Ws).call<MessageView>('messages.send', params);
          }),
        );
        for (const m of results) assert.deepEqual(m, results[0], `round ${r}: every caller gets the same message`);
        firsts.push(results[0]!);
      }
      assert.equal(new Set(firsts.map((m) => m.id)).size, ROUNDS);

      await settle();
      for (const m of firsts) {
        assert.deepEqual(seenBy(m.randomId, alice.id), { alice: [m.id], alice2: [m.id], bob: [m.id] }, `${m.randomId}: each device saw one message`);
      }
      const h = (await history(group.id, bob.client)).filter((m) => m.randomId.startsWith('conc-'));
      assert.deepEqual(h.map((m) => m.randomId).sort(), firsts.map((m) => m.randomId).sort(), 'history holds each once');
      // Losing racers roll back entirely: no message numbers were burnt in the chat.
      const all = await history(group.id, bob.client);
      assert.deepEqual(all.map((m) => m.id).reverse(), Array.from({ length: all.length }, (_, i) => i + 1));
    });

    it('a randomId belongs to its sender: another account may use the same one', async () => {
      const mine = (await history(group.id)).find((m) => m.randomId === 'seq-1' && m.senderId === alice.id)!;
      const bobs = await bob.client.send(group.id, 'bob too', { randomId: 'seq-1' });
      assert.notEqual(bobs.id, mine.id);
      assert.equal(bobs.senderId, bob.id);
      await settle();
      assert.deepEqual(seenBy('seq-1', bob.id), { alice: [bobs.id], alice2: [bobs.id], bob: [bobs.id] });
      assert.deepEqual(seenBy('seq-1', alice.id), { alice: [mine.id], alice2: [mine.id], bob: [mine.id] });
    });

    it('reusing a randomId in another chat is random_id_reused and creates nothing there', async () => {
      const before = await history(direct.id);
      await assert.rejects(alice.client.send(direct.id, 'elsewhere', { randomId: 'seq-1' }), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.code, 'random_id_reused');
        assert.equal(err.status, 409);
        return true;
      });
      await assert.rejects(alice2Ws.call('messages.send', { chatId: direct.id, randomId: 'conc-3', text: 'elsewhere' }), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.code, 'random_id_reused');
        return true;
      });
      // Concurrent reuse from both transports is refused every time.
      const raced = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => (i % 2 ? alice.client.call('messages.send', { chatId: direct.id, randomId: 'conc-4', text: 'x' }) : aliceWs.call('messages.send', { chatId: direct.id, randomId: 'conc-4', text: 'x' }))));
      for (const r of raced) {
        assert.equal(r.status, 'rejected');
        assert.equal(((r as PromiseRejectedResult).reason as ApiError).code, 'random_id_reused');
      }
      // Forwarding with a used randomId is refused the same way.
      const original = (await history(group.id)).find((m) => m.randomId === 'seq-1' && m.senderId === alice.id)!;
      await assert.rejects(alice.client.call('messages.forward', { chatId: direct.id, fromChatId: group.id, messageIds: [original.id], randomIds: ['conc-5'] }), /random_id_reused/);

      assert.deepEqual(await history(direct.id), before, 'nothing was created in the other chat');
      await settle();
      for (const id of ['seq-1', 'conc-3', 'conc-4', 'conc-5']) {
        const seen = seenBy(id, alice.id);
        for (const ids of Object.values(seen)) assert.equal(ids.length, 1, `${id} still exists once: ${JSON.stringify(seen)}`);
      }
    });

    it('invalid randomIds are refused and create nothing', async () => {
      const before = await history(group.id);
      const invalid: Array<[string, unknown]> = [
        ['empty', ''],
        ['65 characters', 'x'.repeat(65)],
        ['space', 'has space'],
        ['slash', 'a/b'],
        ['dot', 'a.b'],
        ['non-ASCII letters', 'ünï'],
        ['emoji', 'id😀'],
        ['newline', 'a\nb'],
        ['number', 7],
        ['null', null],
        ['object', { id: 'a' }],
        ['missing', undefined],
      ];
      for (const [what, randomId] of invalid) {
        const params: Record<string, unknown> = { chatId: group.id, text: `invalid ${what}` };
        if (randomId !== undefined) params.randomId = randomId;
        await assert.rejects(alice.client.call('messages.send', params), (err) => assertRandomIdRefused(err, `HTTP, ${what}`));
        await assert.rejects(aliceWs.call('messages.send', params), (err) => assertRandomIdRefused(err, `update channel, ${what}`));
        // The domain check stands on its own, whatever the transport validated.
        await assert.rejects(
          t.server.services.messages.send({ accountId: alice.id, deviceId: alice.deviceId }, group.id, { randomId: randomId as string, text: `invalid ${what}` }),
          (err: unknown) => err instanceof AppError && err.code === 'random_id_invalid',
          `domain, ${what}`,
        );
      }
      await assert.rejects(alice.client.call('messages.forward', { chatId: group.id, fromChatId: group.id, messageIds: [before[0]!.id], randomIds: ['has space'] }), (err) => {
        assert.ok(err instanceof ApiError);
        assert.ok(['random_id_invalid', 'validation_failed'].includes(err.code), err.code);
        return true;
      });
      assert.deepEqual(await history(group.id), before, 'no message was created');

      // The limits themselves are accepted.
      for (const randomId of ['x'.repeat(64), 'A', '_-aZ09']) {
        const m = await alice.client.send(group.id, `valid ${randomId}`, { randomId });
        assert.equal(m.randomId, randomId);
      }
    });
  });
}
