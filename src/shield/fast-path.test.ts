import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testShield, homeNet } from './test-support.js';
import { MemoryBanStore, MemoryCounterStore } from './memory-stores.js';
import { Shield } from './shield.js';
import { syncStore } from './fast-path.js';
import type { CounterStore, Verdict } from './types.js';

const DAY = 86_400_000;

/** The memory store behind the async interface only, so the Shield takes the async (SQL-like) send path. */
function asyncOnly(m: MemoryCounterStore): CounterStore {
  return {
    increment: (k, by, ttl, now) => m.increment(k, by, ttl, now),
    get: (k, now) => m.get(k, now),
    addToSet: (k, member, ttl, now) => m.addToSet(k, member, ttl, now),
    setSize: (k, now) => m.setSize(k, now),
    sweep: (now) => m.sweep(now),
  };
}

describe('shield send fast path', () => {
  it('is taken for the memory store only', () => {
    const m = new MemoryCounterStore();
    assert.equal(syncStore(m), m);
    assert.equal(syncStore(asyncOnly(m)), null);
  });

  it('a second shield on the same memory store still sees the first one\'s burst counts (no claim, so it looks them up)', async () => {
    const first = testShield();
    const second = new Shield({ config: first.config, counters: first.counters, bans: first.bans, clock: first.clock });
    const account = { accountId: 7, createdAt: first.clock.now() - 40 * DAY, phone: '+393331234567' };
    const send = (s: Shield) => s.send({ account, network: homeNet(), client: { client: 'official', lang: 'it-IT' }, recipientIds: [8], strangerIds: [] });
    first.clock.advance(30_000 - (first.clock.now() % 30_000) + 1000);
    await send(second);
    // Two buckets later, near its end, the first shield counts a burst the second shield's record never saw.
    first.clock.advance(2 * 30_000 + 27_000);
    for (let i = 0; i < 20; i++) await send(first.shield);
    first.clock.advance(4000);
    const v = await send(second);
    assert.deepEqual(v.top[0], { signal: 'burst_30s', value: 11, points: 66 }, 'previous bucket 20 × overlap 0.9, + 1 now, − 8 allowed');
  });

  it('counts the previous bucket after a non-send event moved the account\'s record back in time', async () => {
    const t = testShield();
    const account = { accountId: 7, createdAt: t.clock.now() - 40 * DAY, phone: '+393331234567' };
    const send = (at: number) => t.shield.send({ account, network: homeNet(), client: { client: 'official', lang: 'it-IT' }, recipientIds: [8], strangerIds: [], at });
    const start = t.clock.now() - (t.clock.now() % 30_000) + 60_000;
    for (let i = 0; i < 12; i++) await send(start + 29_000);
    await send(start + 31_000);
    // An event stamped in the previous bucket (a late block) visits it again without sending.
    await t.shield.blocked({ blockerId: 9, blockedId: 7, blockerCreatedAt: start - 90 * DAY, at: start + 29_500 });
    const v = await send(start + 32_000);
    assert.deepEqual(v.top[0], { signal: 'burst_30s', value: 5, points: 30 }, '2 now + 12 × overlap 0.93, − 8 allowed');
  });

  it('gives the same verdicts as the async path on a mixed script (bulk, groups, reports, blocks, forgiveness)', async () => {
    const fast = testShield();
    const counters = new MemoryCounterStore();
    const bans = new MemoryBanStore();
    const slow = new Shield({ config: fast.config, counters: asyncOnly(counters), bans, clock: fast.clock });
    const verdicts: [Verdict | null, Verdict | null][] = [];
    const both = async (f: (s: Shield) => Promise<Verdict | null | void>) => verdicts.push([(await f(fast.shield)) ?? null, (await f(slow)) ?? null]);
    const start = fast.clock.now();
    const accounts = [1, 2, 3, 4].map((id) => ({ accountId: id, createdAt: start - (id === 1 ? 0 : 40 * DAY), phone: '+393331234567' }));
    const client = { client: 'official' as const, lang: 'de-DE' };
    for (let i = 0; i < 400; i++) {
      fast.clock.advance(i % 50 === 0 ? 70_000 : 400);
      // Sweeps drop expired keys and unused empty cells under the fast path's held records.
      if (i % 40 === 39) assert.equal(await fast.counters.sweep(fast.clock.now()), await counters.sweep(fast.clock.now()));
      const a = accounts[i % 4]!;
      const to = [100 + (i % 37)];
      const network = homeNet({ asn: 3269 + (i % 3), vpn: i % 5 === 0 });
      const facts = { account: a, network: i % 7 ? network : null, client: i % 7 ? client : null, recipientIds: to, strangerIds: i % 3 ? to : [], group: i % 11 ? null : { chatId: 9 } };
      await both((s) => s.send(facts));
      await both(async (s) => void (await s.delivered({ messageId: i, senderId: a.accountId, recipientIds: to, strangerIds: facts.strangerIds })));
      if (i % 13 === 0) await both(async (s) => (await s.report({ reporterId: to[0]!, reportedId: a.accountId, messageId: i, reporterCreatedAt: start - 90 * DAY, reported: a })).verdict);
      if (i % 17 === 0) await both(async (s) => void (await s.blocked({ blockerId: to[0]!, blockedId: a.accountId, blockerCreatedAt: start - 90 * DAY })));
      if (i % 29 === 0) await both(async (s) => void (await s.behaviour({ accountId: a.accountId, kind: 'read' })));
      if (i === 200) await both(async (s) => void (await s.forgive(1)));
    }
    for (const [a, b] of verdicts) assert.deepEqual(a, b);
    assert.ok(verdicts.some(([a]) => a?.action === 'ban'), 'the script reaches a ban');
  });
});
