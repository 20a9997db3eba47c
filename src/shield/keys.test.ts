import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyCache } from './keys.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const BUCKET = 30_000;

describe('shield key records (KeyCache)', () => {
  it('keeps one record per account, whether its id indexes the array or the Map', () => {
    const keys = new KeyCache();
    const ids = [3, 5000, 1e9, -2, 2.5, 0];
    const first = ids.map((id) => keys.account(id, T0));
    // The array grows past 5000, which went to the Map while it was too far ahead.
    for (let id = 4; id < 5100; id++) keys.account(id, T0);
    ids.forEach((id, i) => assert.equal(keys.account(id, T0), first[i], `account ${id}`));
    assert.equal(new Set(first).size, ids.length);
  });

  it('knows a previous bucket is empty only when it saw all of it, the first time, without a send', () => {
    const keys = new KeyCache();
    const start = T0 - (T0 % BUCKET);
    keys.account(1, start);
    let k = keys.account(1, start + BUCKET);
    assert.equal(k.burstPrevEmpty, true, 'reached and left without a send (a new cache has seen every send)');
    k.burstCell = { key: k.burst, n: 1, members: null, expiresAt: start + 3 * BUCKET, dead: false }; // as a send leaves it
    k = keys.account(1, start + 2 * BUCKET);
    assert.equal(k.burstPrevEmpty, false, 'a send in the previous bucket');
    k = keys.account(1, start + 5 * BUCKET);
    assert.equal(k.burstPrevEmpty, true, 'never reached');
    keys.account(1, start + 4 * BUCKET + 1000); // an event stamped in the past visits bucket 4 again
    k = keys.account(1, start + 5 * BUCKET);
    assert.equal(k.burstPrevEmpty, false, 'bucket 4 was visited before: a send may have written it then');
    assert.equal(keys.account(2, start + 6 * BUCKET).burstPrevEmpty, false, 'a record created after the cache saw that bucket');
  });
});
