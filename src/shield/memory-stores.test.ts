import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBanStore, MemoryCounterStore } from './memory-stores.js';

describe('shield memory stores', () => {
  it('counters add within their window and expire after ttl (injected time)', async () => {
    const c = new MemoryCounterStore();
    assert.equal(await c.increment('k', 1, 1000, 0), 1);
    assert.equal(await c.increment('k', 2, 1000, 999), 3);
    assert.equal(await c.get('k', 999), 3);
    assert.equal(await c.get('k', 1000), 0, 'expired at ttl');
    assert.equal(await c.increment('k', 1, 1000, 1500), 1, 'a new window starts');
  });
  it('sets count distinct members and expire', async () => {
    const c = new MemoryCounterStore();
    assert.equal(await c.addToSet('s', 'a', 1000, 0), 1);
    assert.equal(await c.addToSet('s', 'a', 1000, 10), 1);
    assert.equal(await c.addToSet('s', 'b', 1000, 20), 2);
    assert.equal(await c.setSize('s', 999), 2);
    assert.equal(await c.setSize('s', 1000), 0);
  });
  it('sweep drops expired entries only', async () => {
    const c = new MemoryCounterStore();
    await c.increment('a', 1, 100, 0);
    await c.increment('b', 1, 1000, 0);
    await c.addToSet('s', 'x', 100, 0);
    assert.equal(await c.sweep(500), 2);
    assert.equal(c.size, 1);
    assert.equal(await c.get('b', 500), 1);
  });
  it('bans are stored, read back and lifted', async () => {
    const b = new MemoryBanStore();
    await b.ban({ accountId: 1, reason: 'bulk_messaging', top: [{ signal: 'burst_30s', value: 12, points: 60 }], bannedAt: 5, expiresAt: null });
    assert.equal((await b.get(1))?.reason, 'bulk_messaging');
    assert.equal((await b.get(1))?.appeal, null);
    await b.lift(1, 6);
    assert.equal(await b.get(1), null);
  });
});
