import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS, freshStore, type TestStore } from '../helpers/backends.js';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { NodeWebSocket, PASSWORD, eventually } from '../helpers/server.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { ParleyClient, type UpdateStream } from '../../src/client/index.js';
import type { Update } from '../../src/protocol/updates.js';
import type { MessageView } from '../../src/protocol/views.js';

const SENDERS = 3;
/** Concurrent sends per sender account: half over HTTP, half over its update channel. */
const WORKERS_PER_SENDER = 12;
/** Upper bound of the burst; the server is killed well before it is reached. */
const PLANNED_PER_SENDER = 4000;

function client(url: string, token?: string): ParleyClient {
  return new ParleyClient({ baseUrl: url, WebSocket: NodeWebSocket, ...(token ? { token } : {}) });
}

type Outcome = { state: 'acked'; message: MessageView } | { state: 'unacked'; error: string };

for (const backend of BACKENDS) {
  describe(`crash safety [${backend}]`, () => {
    let store: TestStore | undefined;
    const children: ChildServer[] = [];
    /** Streams left open by a failing test would reconnect forever and keep the run alive. */
    const streams: UpdateStream[] = [];
    after(async () => {
      for (const s of streams) s.close();
      for (const c of children) await c.stop().catch(() => undefined);
      await store?.drop();
    });

    it('kill -9 during a burst of sends, restart: every acknowledged send is delivered exactly once, retries of the rest create exactly one each', async () => {
      const rng = seededRandom();
      // KILL_AFTER acknowledgements the server gets SIGKILL: counted, not timed.
      const killAfter = rng.int(300, 900);
      console.log(`[crash-safety ${backend}] seed=${rng.seed} killAfter=${killAfter} acks (replay with TEST_SEED=${rng.seed})`);
      store = freshStore(backend);
      const schema = (store.overrides.database as { schema?: string } | undefined)?.schema;
      const start = async (): Promise<ChildServer> => {
        const c = await startChildServer({ backend, dataDir: store!.dataDir, ...(schema ? { schema } : {}) });
        children.push(c);
        return c;
      };

      let server = await start();
      const register = async (username: string): Promise<{ token: string; id: number }> => {
        const s = await client(server.url).register({ username, password: PASSWORD, deviceName: `${username}-1` });
        return { token: s.token, id: s.account.id };
      };
      const rx = await register('receiver');
      const senders = await Promise.all(Array.from({ length: SENDERS }, (_, i) => register(`sender${i}`)));
      const chat = await client(server.url, senders[0]!.token).createGroup('burst', [rx.id, ...senders.map((s) => s.id)]);

      // The burst: every attempted randomId gets an outcome; the server dies at the killAfter-th ack.
      const outcomes = new Map<string, Outcome>();
      let acked = 0;
      let killed = false;
      const burst = senders.map(async (sender, si) => {
        const http = client(server.url, sender.token);
        const ws = http.connect({ reconnect: false });
        streams.push(ws);
        await ws.synced();
        let next = 0;
        const worker = async (w: number): Promise<void> => {
          while (!killed && next < PLANNED_PER_SENDER) {
            const randomId = `s${si}-${next++}`;
            const params = { chatId: chat.id, randomId, text: `burst ${randomId}` };
            let m: MessageView;
            try {
              m = w % 2 === 0 ? await http.call<MessageView>('messages.send', params) : await ws.call<MessageView>('messages.send', params);
            } catch (err) {
              if (!killed) throw err;
              outcomes.set(randomId, { state: 'unacked', error: (err as Error).message });
              continue;
            }
            assert.equal(m.randomId, randomId);
            outcomes.set(randomId, { state: 'acked', message: m });
            if (++acked === killAfter) {
              killed = true;
              server.kill9();
            }
          }
        };
        await Promise.all(Array.from({ length: WORKERS_PER_SENDER }, (_, w) => worker(w)));
      });
      await Promise.all(burst);
      assert.ok(killed, 'the server was killed mid-burst');
      const exit = await server.exited;
      assert.equal(exit.signal, 'SIGKILL');
      for (const s of streams) s.close();

      const ackedIds = [...outcomes].filter(([, o]) => o.state === 'acked').map(([id]) => id);
      const unackedIds = [...outcomes].filter(([, o]) => o.state === 'unacked').map(([id]) => id);
      assert.ok(unackedIds.length > 0, 'some sends were in flight when the server died');

      // Restart on the same data; the receiver resumes from pts 0 and replays its whole log.
      server = await start();
      const rxClient = client(server.url, rx.token);
      const seen: Update[] = [];
      const resyncs: number[] = [];
      const stream = rxClient.connect({ pts: 0, onUpdate: (u) => seen.push(u), onResync: (p) => resyncs.push(p) });
      streams.push(stream);
      await stream.synced();
      const me = await rxClient.me();
      assert.deepEqual(resyncs, []);
      assert.deepEqual(seen.map((u) => u.pts), Array.from({ length: me.pts }, (_, i) => i + 1), 'the replayed log is contiguous from pts 1');

      const delivered = (): Map<string, MessageView[]> => {
        const by = new Map<string, MessageView[]>();
        for (const u of seen) {
          if (u.type !== 'message.new') continue;
          const list = by.get(u.data.message.randomId) ?? [];
          list.push(u.data.message);
          by.set(u.data.message.randomId, list);
        }
        return by;
      };
      const before = delivered();
      const twice = [...before].filter(([, l]) => l.length > 1).map(([id]) => id);
      assert.deepEqual(twice, [], 'no randomId delivered twice');
      const lost = ackedIds.filter((id) => !before.has(id));
      assert.deepEqual(lost, [], 'every acknowledged send survived the crash');
      for (const id of ackedIds) {
        const o = outcomes.get(id) as { state: 'acked'; message: MessageView };
        assert.equal(before.get(id)![0]!.id, o.message.id, `${id}: the delivered message is the acknowledged one`);
      }
      const stray = [...before.keys()].filter((id) => !outcomes.has(id));
      assert.deepEqual(stray, [], 'nothing was delivered that was never sent');
      const inDoubtCommitted = unackedIds.filter((id) => before.has(id));

      // The history agrees with the update log.
      const history: MessageView[] = [];
      for (let beforeId: number | undefined; ;) {
        const page = await rxClient.history(chat.id, { limit: 100, ...(beforeId ? { beforeId } : {}) });
        history.push(...page);
        if (page.length < 100) break;
        beforeId = page.at(-1)!.id;
      }
      assert.deepEqual(history.map((m) => m.randomId).sort(), [...before.keys()].sort(), 'history holds exactly the delivered messages');

      // Retry every unacknowledged send: exactly one message each, whether or not it had committed.
      const senderOf = (id: string) => senders[Number(/^s(\d+)-/.exec(id)![1])]!;
      const retried = await Promise.all(unackedIds.map((id) => client(server.url, senderOf(id).token).call<MessageView>('messages.send', { chatId: chat.id, randomId: id, text: `burst ${id}` })));
      for (const [i, m] of retried.entries()) {
        const id = unackedIds[i]!;
        assert.equal(m.randomId, id);
        const earlier = before.get(id);
        if (earlier) assert.equal(m.id, earlier[0]!.id, `${id}: a retry of a committed send returns the same message`);
      }
      const total = outcomes.size;
      const finalPts = (await rxClient.me()).pts;
      await eventually(() => stream.pts === finalPts, 20000, 'the retried messages to reach the receiver');
      const final = delivered();
      assert.deepEqual([...final].filter(([, l]) => l.length !== 1).map(([id]) => id), [], 'every randomId exactly once after the retries');
      assert.deepEqual([...final.keys()].sort(), [...outcomes.keys()].sort(), 'every attempted send is now delivered');
      assert.equal(final.size, total);

      console.log(`[crash-safety ${backend}] attempted=${total} acked=${ackedIds.length} unacked=${unackedIds.length} delivered-after-restart=${before.size} (unacked but committed=${inDoubtCommitted.length}) created-by-retry=${unackedIds.length - inDoubtCommitted.length} final=${final.size}`);
      stream.close();
      await server.stop();
    });
  });
}
