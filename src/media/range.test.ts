import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange } from './range.js';

describe('parseRange (RFC 9110 §14.2)', () => {
  it('reads single, open and suffix ranges, clamped to the size', () => {
    assert.deepEqual(parseRange('bytes=0-99', 1000), [{ start: 0, end: 99 }]);
    assert.deepEqual(parseRange('bytes=900-', 1000), [{ start: 900, end: 999 }]);
    assert.deepEqual(parseRange('bytes=-100', 1000), [{ start: 900, end: 999 }]);
    assert.deepEqual(parseRange('bytes=-5000', 1000), [{ start: 0, end: 999 }]);
    assert.deepEqual(parseRange('bytes=990-5000', 1000), [{ start: 990, end: 999 }]);
  });
  it('sorts and merges several ranges', () => {
    assert.deepEqual(parseRange('bytes=500-599, 0-9,5-20', 1000), [{ start: 0, end: 20 }, { start: 500, end: 599 }]);
    assert.deepEqual(parseRange('bytes=0-9,10-19', 1000), [{ start: 0, end: 19 }]);
  });
  it('is unsatisfiable past the end, ignored when malformed or abusive', () => {
    assert.equal(parseRange('bytes=1000-', 1000), 'unsatisfiable');
    assert.equal(parseRange('bytes=-0', 1000), 'unsatisfiable');
    for (const h of [undefined, '', 'items=0-1', 'bytes=', 'bytes=a-b', 'bytes=9-1', 'bytes=-', Array.from({ length: 17 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',').replace(/^/, 'bytes=')]) {
      assert.equal(parseRange(h, 1000), undefined, String(h));
    }
  });
});
