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
  it('cells are the keys\' entries: the string methods and the cell methods see the same counts and windows', async () => {
    const c = new MemoryCounterStore();
    assert.equal(c.findCounter('k'), null, 'reads create nothing');
    assert.equal(c.size, 0);
    const cell = c.counterCell('k');
    assert.equal(c.incrementCell(cell, 2, 1000, 0), 2);
    assert.equal(await c.increment('k', 1, 1000, 500), 3);
    assert.equal(c.getCell(cell, 999), 3);
    assert.equal(c.findCounter('k'), cell, 'one entry per key');
    assert.equal(c.incrementCell(cell, 1, 1000, 1000), 1, 'a new window starts in place');
    assert.equal(await c.get('k', 1500), 1);
    assert.equal(c.findSet('s'), null);
    const set = c.setCell('s');
    assert.equal(c.addToSetCell(set, 'a', 1000, 0), 1);
    assert.equal(await c.addToSet('s', 'b', 1000, 10), 2);
    assert.equal(c.setSizeCell(set, 999), 2);
    assert.equal(c.setSizeCell(set, 1000), 0, 'the set ends with its window');
    assert.equal(c.addToSetCell(set, 'c', 1000, 1000), 1, 'and starts again empty');
    assert.equal(await c.setSize('s', 1001), 1);
  });
  it('sweep marks the cells it drops dead; the key then gets a new entry', async () => {
    const c = new MemoryCounterStore();
    const short = c.counterCell('short');
    c.incrementCell(short, 1, 100, 0);
    const long = c.setCell('long');
    c.addToSetCell(long, 'x', 1000, 0);
    assert.equal(await c.sweep(200), 1);
    assert.ok(short.dead && !long.dead);
    assert.equal(c.findCounter('short'), null);
    assert.notEqual(c.counterCell('short'), short);
  });
  it('can be claimed once, and only while empty (the send path\'s exclusive use)', async () => {
    const used = new MemoryCounterStore();
    await used.increment('k', 1, 1000, 0);
    assert.equal(used.claim(), false, 'keys written before the claim may be burst keys');
    const c = new MemoryCounterStore();
    assert.equal(c.claim(), true);
    assert.equal(c.claim(), false, 'a second shield on the same store looks everything up');
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
