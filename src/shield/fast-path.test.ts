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
