import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, eventually, type TestServer } from '../helpers/server.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { trackingWebSocket } from '../helpers/tracking-websocket.js';
import { ParleyClient, type UpdateStream } from '../../src/client/index.js';
import type { Update } from '../../src/protocol/updates.js';
import { Topics } from '../../src/cluster/bus.js';
import type { MessageView } from '../../src/protocol/views.js';

const TOTAL = Number(process.env.TEST_GAP_SENDS ?? 10_000);
const SENDERS = Number(process.env.TEST_GAP_SENDERS ?? 3);
/** Sequential lanes per sender: a lane sends its next message only after the previous was acknowledged. */
const LANES_PER_SENDER = 4;

function texts(updates: Update[]): string[] {
  return updates.map((u) => (u.type === 'message.new' ? u.data.message.text : `<${u.type}>`));
}

/** Opens a device's update stream that records its updates and resyncs; closed with the suite. */
function recorder(client: ParleyClient, pts: number | undefined, closers: Array<() => void>): { stream: UpdateStream; updates: Update[]; resyncs: number[] } {
  const updates: Update[] = [];
  const resyncs: number[] = [];
  const stream = client.connect({ ...(pts !== undefined ? { pts } : {}), onUpdate: (u) => updates.push(u), onResync: (p) => resyncs.push(p) });
  closers.push(() => stream.close());
  return { stream, updates, resyncs };
}

for (const backend of BACKENDS) {
  describe(`gap recovery [${backend}]`, () => {
    let t: TestServer;
    before(async () => { t = await startTestServer(backend, { chats: { historyPageMax: 1000 } }); });
    /** Streams left open by a failing test would reconnect forever and keep the run alive. */
    const closers: Array<() => void> = [];
    after(async () => {
      for (const close of closers) close();
      await t.close();
    });

    it(`a client disconnected at random points during ${TOTAL} sends loses and duplicates nothing when it resumes`, async () => {
      const rng = seededRandom();
      console.log(`[gap-recovery ${backend}] seed=${rng.seed} (replay with TEST_SEED=${rng.seed})`);

      const rx = await t.user('receiver');
      const senders = await Promise.all(Array.from({ length: SENDERS }, (_, i) => t.user(`sender${i}`)));
      const chat = await senders[0]!.client.createGroup('firehose', [rx.session.account.id, ...senders.map((s) => s.session.account.id)]);

      // The receiving device. Three kinds of cut, chosen by the seeded PRNG: a polite close (close
      // frame) or an abrupt terminate (no close frame), both followed by the SDK's own reconnect; or
      // the app going away (close()) and coming back after more sends as a new stream from its stored pts.
      const sockets = trackingWebSocket();
      const rxClient = new ParleyClient({ baseUrl: t.url, token: rx.session.token, WebSocket: sockets.factory });
      const seen: Update[] = [];
      const resyncs: number[] = [];
      const stats = { drops: 0, terminations: 0, restarts: 0, cutsWhileSyncing: 0, welcomes: 0, longestOffline: 0, busDelayed: 0, busLost: 0 };
      // Off until the device is first online and the sends run: an "app going away" cut before the
      // first send would wait for acks that never come (reopening is driven by the senders' acks).
      let chaos = false;
      let acked = 0;
      let nextCutAt = rng.int(1, 600);
      /** While the app is away: reopen once `acked` reaches this (Infinity: after the sends). */
      let reopenAt: number | undefined;
      let offlineSince = 0;
      let storedPts: number | undefined;
      let stream!: UpdateStream;
      closers.push(() => stream?.close());
      const open = (): void => {
        if (reopenAt !== undefined) stats.longestOffline = Math.max(stats.longestOffline, acked - offlineSince);
        reopenAt = undefined;
        stream = rxClient.connect({
          ...(storedPts !== undefined ? { pts: storedPts } : {}),
          onUpdate: (u) => {
            seen.push(u);
            if (chaos && seen.length >= nextCutAt) {
              nextCutAt = seen.length + rng.int(1, 600);
              cut();
            }
          },
          onResync: (p) => resyncs.push(p),
          onState: (state) => {
            if (state !== 'syncing') return;
            stats.welcomes++;
            // Sometimes cut right after welcome, while the server is replaying what was missed.
            if (chaos && rng.next() < 0.2) {
              stats.cutsWhileSyncing++;
              cut();
            }
          },
        });
      };
      const goAway = (until: number): void => {
        if (reopenAt !== undefined) return;
        storedPts = stream.pts;
        stream.close();
        stats.restarts++;
        offlineSince = acked;
        reopenAt = until;
      };
      const cut = (): void => {
        if (reopenAt !== undefined) return;
        const r = rng.next();
        if (r < 0.15) goAway(acked + rng.int(200, 2500));
        else if (r < 0.55 && sockets.terminateLatest()) stats.terminations++;
        else {
          stream.drop();
          stats.drops++;
        }
      };
      // The bus between the log and the device's connection is made unreliable too, as a bus between
      // nodes can be: some of the receiver's updates are held back (delivered out of order) or lost.
      // The connection must fill such gaps from the log.
      const { bus } = t.server.services;
      const publish = bus.publish.bind(bus);
      const busRng = seededRandom(rng.seed + 1);
      const rxTopic = Topics.account(rx.session.account.id);
      bus.publish = (topic, message) => {
        if (!chaos || topic !== rxTopic) return publish(topic, message);
        const r = busRng.next();
        if (r < 0.01) stats.busLost++;
        else if (r < 0.11) {
          stats.busDelayed++;
          setTimeout(() => publish(topic, message), busRng.int(1, 30));
        } else publish(topic, message);
      };
      closers.push(() => { bus.publish = publish; });

      open();
      await eventually(() => stream.state === 'online', 20000, 'the receiver online');
      const startPts = stream.pts!;
      chaos = true;
      // The last stretch of sends happens while the app is away: it comes back to a long backlog.
      const finalAwayAt = TOTAL - (TOTAL >= 6000 ? rng.int(1200, 3000) : rng.int(TOTAL >> 2, TOTAL >> 1));

      // Senders: several sequential lanes per sender account, each over that account's update channel.
      const senderStreams = senders.map((s) => s.client.connect({}));
      closers.push(() => senderStreams.forEach((x) => x.close()));
      await eventually(() => senderStreams.every((s) => s.state === 'online'), 20000, 'the senders online');
      const lanes = SENDERS * LANES_PER_SENDER;
      const started = Date.now();
      await Promise.all(
        Array.from({ length: lanes }, async (_, lane) => {
          const s = senderStreams[lane % SENDERS]!;
          for (let k = lane; k < TOTAL; k += lanes) {
            const m = await s.call<MessageView>('messages.send', { chatId: chat.id, randomId: `gap-${k}`, text: `m${k}` });
            assert.equal(m.text, `m${k}`);
            acked++;
            if (reopenAt !== undefined && acked >= reopenAt) open();
            if (acked === finalAwayAt) {
              if (reopenAt !== undefined) open();
              goAway(Infinity);
            }
          }
        }),
      );
      const sendMs = Date.now() - started;
      chaos = false;

      // The device resumes and catches up to the account's pts.
      const finalPts = await t.server.services.updates.currentPts(t.server.services.database.db, rx.session.account.id);
      assert.equal(finalPts - startPts, TOTAL, 'each send appends exactly one update to the receiver log');
      assert.notEqual(reopenAt, undefined, 'the device is away when the sends finish');
      const backlog = finalPts - storedPts!;
      open();
      await eventually(() => stream.state === 'online' && stream.pts === finalPts, 60000, `receiver to catch up to pts ${finalPts}`).catch((err: Error) => {
        throw new Error(`${err.message}; stream at pts ${stream.pts} (${stream.state}), saw ${seen.length} updates`);
      });
      // One more message once caught up: had anything been queued twice, it would arrive before this one.
      await senderStreams[0]!.call('messages.send', { chatId: chat.id, randomId: 'gap-sentinel', text: 'sentinel' });
      await eventually(() => stream.pts === finalPts + 1, 20000, 'the sentinel');
      const sentinel = seen.pop()!;
      assert.equal(sentinel.type === 'message.new' && sentinel.data.message.text, 'sentinel');
      assert.equal(sentinel.pts, finalPts + 1);
      console.log(`[gap-recovery ${backend}] sends=${TOTAL} lanes=${lanes} sendMs=${sendMs} cuts: close=${stats.drops} terminate=${stats.terminations} app-restart=${stats.restarts} (during replay ${stats.cutsWhileSyncing}) welcomes=${stats.welcomes} longest-offline=${stats.longestOffline} bus: delayed=${stats.busDelayed} lost=${stats.busLost} final-backlog=${backlog} received=${seen.length} resyncs=${resyncs.length}`);

      assert.deepEqual(resyncs, [], 'a device within maxDifference is never told to resync');
      // (The device may be ahead of the acks by the sends in flight, one per lane.)
      assert.ok(backlog >= TOTAL - finalAwayAt - lanes, `the final resume replays the whole last stretch (${backlog})`);
      if (TOTAL >= 6000) assert.ok(backlog > 1000, 'the final resume replays more than one batch');
      // pts: contiguous, no gap, no duplicate, in order.
      const pts = seen.map((u) => u.pts);
      assert.deepEqual(pts, Array.from({ length: TOTAL }, (_, i) => startPts + 1 + i), 'pts contiguous from the resume point, each once');
      assert.ok(seen.every((u) => u.type === 'message.new'), 'only the messages were logged for the receiver');
      // Every message exactly once.
      const count = new Map<string, number>();
      for (const x of texts(seen)) count.set(x, (count.get(x) ?? 0) + 1);
      const missing = Array.from({ length: TOTAL }, (_, k) => `m${k}`).filter((x) => !count.has(x));
      const twice = [...count].filter(([, n]) => n > 1).map(([x]) => x);
      assert.deepEqual({ missing: missing.slice(0, 20), twice: twice.slice(0, 20) }, { missing: [], twice: [] }, 'every message exactly once');
      assert.equal(count.size, TOTAL);
      // In order: message ids ascend with pts, and each lane's messages keep their send order.
      const ids = seen.map((u) => (u.type === 'message.new' ? u.data.message.id : -1));
      for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!, `message ids ascend with pts (at ${i}: ${ids[i - 1]} then ${ids[i]})`);
      const lastInLane = new Map<number, number>();
      for (const x of texts(seen)) {
        const k = Number(x.slice(1));
        const lane = k % lanes;
        assert.ok((lastInLane.get(lane) ?? -1) < k, `lane ${lane}: m${k} after m${lastInLane.get(lane)}`);
        lastInLane.set(lane, k);
      }
      // The device's view equals the chat history.
      const history: MessageView[] = [];
      for (let beforeId: number | undefined; ;) {
        const page = await rx.client.history(chat.id, { limit: 1000, ...(beforeId ? { beforeId } : {}) });
        history.push(...page);
        if (page.length < 1000) break;
        beforeId = page.at(-1)!.id;
      }
      const view = [...seen, sentinel].map((u) => (u.type === 'message.new' ? [u.data.message.id, u.data.message.text] : []));
      assert.deepEqual(history.reverse().map((m) => [m.id, m.text]), view, 'the device saw exactly the chat history, in order');
      assert.ok(stats.drops + stats.terminations + stats.restarts > 5, 'the schedule actually cut the connection several times');
    });

    it('a live update that overtakes its predecessor on the bus (held back or lost) is delivered after it, read from the log', async () => {
      const rx = await t.user('gapper');
      const tx = await t.user('gapsender');
      const chat = await tx.client.openDirect(rx.session.account.id);
      const { bus } = t.server.services;
      const publish = bus.publish.bind(bus);
      const topic = Topics.account(rx.session.account.id);
      let mode: 'pass' | 'hold' | 'lose' = 'pass';
      const held: unknown[] = [];
      bus.publish = (tp, m) => {
        if (tp !== topic || mode === 'pass') return publish(tp, m);
        if (mode === 'hold') held.push(m);
        mode = 'pass';
      };
      closers.push(() => { bus.publish = publish; });

      const dev = recorder(rx.client, undefined, closers);
      await dev.stream.synced();
      const p0 = dev.stream.pts!;
      // Lost: the next update shows the gap, the connection reads the missing one from the log.
      mode = 'lose';
      await tx.client.send(chat.id, 'lost on the bus');
      await tx.client.send(chat.id, 'after the lost one');
      await eventually(() => dev.updates.length >= 2, 10000, 'both updates');
      // Held back: delivered late, after its successor was filled in; the late copy is dropped.
      mode = 'hold';
      await tx.client.send(chat.id, 'held back');
      await tx.client.send(chat.id, 'overtaker');
      await eventually(() => dev.updates.length >= 4, 10000, 'four updates');
      assert.equal(held.length, 1);
      publish(topic, held[0]);
      await tx.client.send(chat.id, 'next');
      await eventually(() => dev.updates.length >= 5, 10000, 'five updates');
      assert.deepEqual(texts(dev.updates), ['lost on the bus', 'after the lost one', 'held back', 'overtaker', 'next']);
      assert.deepEqual(dev.updates.map((u) => u.pts), [p0 + 1, p0 + 2, p0 + 3, p0 + 4, p0 + 5]);
      assert.deepEqual(dev.resyncs, []);
      bus.publish = publish;
    });
  });

  describe(`gap recovery limits [${backend}]`, () => {
    const MAX_DIFF = 20;
    let t: TestServer;
    before(async () => { t = await startTestServer(backend, { updates: { maxDifference: MAX_DIFF } }); });
    /** Streams left open by a failing test would reconnect forever and keep the run alive. */
    const closers: Array<() => void> = [];
    after(async () => {
      for (const close of closers) close();
      await t.close();
    });

    it('a device further behind than updates.maxDifference gets resync, not a partial replay', async () => {
      const rx = await t.user('rxer');
      const tx = await t.user('txer');
      const chat = await tx.client.openDirect(rx.session.account.id);

      const first = recorder(rx.client, undefined, closers);
      await first.stream.synced();
      const p0 = first.stream.pts!;
      first.stream.close();

      // Exactly maxDifference behind: still replayed in full.
      for (let i = 0; i < MAX_DIFF; i++) await tx.client.send(chat.id, `a${i}`);
      const within = recorder(rx.client, p0, closers);
      await within.stream.synced();
      assert.deepEqual(within.resyncs, []);
      assert.deepEqual(within.updates.map((u) => u.pts), Array.from({ length: MAX_DIFF }, (_, i) => p0 + 1 + i));
      assert.deepEqual(texts(within.updates), Array.from({ length: MAX_DIFF }, (_, i) => `a${i}`));
      const p1 = within.stream.pts!;
      within.stream.close();

      // One more than maxDifference behind: resync, and nothing of the backlog is replayed.
      for (let i = 0; i < MAX_DIFF + 1; i++) await tx.client.send(chat.id, `b${i}`);
      const current = await t.server.services.updates.currentPts(t.server.services.database.db, rx.session.account.id);
      assert.equal(current, p1 + MAX_DIFF + 1);
      const behind = recorder(rx.client, p1, closers);
      await behind.stream.synced();
      assert.deepEqual(behind.resyncs, [current], 'told to resync at the current pts');
      assert.deepEqual(behind.updates, [], 'no partial replay');
      assert.equal(behind.stream.pts, current);
      // The HTTP fallback says the same.
      const diff = await rx.client.difference(p1);
      assert.equal(diff.tooLong, true);
      assert.deepEqual(diff.updates, []);

      // After the resync the channel continues live from the new pts.
      await tx.client.send(chat.id, 'after-resync');
      await eventually(() => behind.updates.length === 1, 10000, 'the live update after resync');
      assert.equal((behind.updates as Update[])[0]!.pts, current + 1);
      assert.deepEqual(texts(behind.updates), ['after-resync']);
      behind.stream.close();

      // A pts the server never issued is a resync too, not a silent "up to date".
      const ahead = recorder(rx.client, current + 1000, closers);
      await ahead.stream.synced();
      assert.deepEqual(ahead.resyncs, [current + 1]);
      ahead.stream.close();
    });
  });

  describe(`gap recovery after pruning [${backend}]`, () => {
    let t: TestServer;
    before(async () => { t = await startTestServer(backend); });
    /** Streams left open by a failing test would reconnect forever and keep the run alive. */
    const closers: Array<() => void> = [];
    after(async () => {
      for (const close of closers) close();
      await t.close();
    });

    it('a device resuming from before pruned updates gets resync; one after the cut gets exactly the rest', async () => {
      const rx = await t.user('rxer');
      const tx = await t.user('txer');
      const chat = await tx.client.openDirect(rx.session.account.id);

      const first = recorder(rx.client, undefined, closers);
      await first.stream.synced();
      const p0 = first.stream.pts!;
      first.stream.close();

      for (let i = 0; i < 5; i++) await tx.client.send(chat.id, `old${i}`);
      const pOld = p0 + 5;
      // Updates are stamped in ms; step past the cut so that it separates the two batches.
      await sleep(5);
      const cutAt = Date.now();
      await sleep(5);
      for (let i = 0; i < 5; i++) await tx.client.send(chat.id, `new${i}`);
      const { services } = t.server;
      const pruned = await services.updates.prune(services.database.db, cutAt);
      assert.ok(pruned >= 10, `pruned the old updates of both accounts (${pruned})`);
      const current = await services.updates.currentPts(services.database.db, rx.session.account.id);
      assert.equal(current, pOld + 5);

      for (const from of [0, p0, pOld - 1]) {
        const dev = recorder(rx.client, from, closers);
        await dev.stream.synced();
        assert.deepEqual(dev.resyncs, [current], `resume from pts ${from} (pruned) → resync`);
        assert.deepEqual(dev.updates, [], `resume from pts ${from}: no partial replay`);
        dev.stream.close();
      }
      const fromHttp = await rx.client.difference(p0);
      assert.equal(fromHttp.tooLong, true);

      const dev = recorder(rx.client, pOld, closers);
      await dev.stream.synced();
      assert.deepEqual(dev.resyncs, []);
      assert.deepEqual(dev.updates.map((u) => u.pts), [pOld + 1, pOld + 2, pOld + 3, pOld + 4, pOld + 5]);
      assert.deepEqual(texts(dev.updates), ['new0', 'new1', 'new2', 'new3', 'new4']);
      dev.stream.close();
    });
  });
}
