import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { canonicalAddress, formatIPv6 } from './addresses.js';

describe('address text', () => {
  it('formats IPv6 as RFC 5952 §4 says (checked against the WHATWG URL serialiser)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 6 }), (bytes, zeroGroups) => {
        // Zero runs are what the rules are about: force some groups to zero.
        for (const g of zeroGroups) bytes[2 * g] = bytes[2 * g + 1] = 0;
        const text = formatIPv6(bytes);
        if (text.startsWith('::ffff:') && text.includes('.')) return; // §5 form, checked below
        assert.equal(`[${text}]`, new URL(`http://[${text}]/`).hostname);
        assert.equal(canonicalAddress(text), text);
      }),
      { numRuns: 2000, seed: 7 },
    );
  });

  it('examples from RFC 5952 and the mapped form of §5', () => {
    assert.equal(canonicalAddress('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
    assert.equal(canonicalAddress('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(canonicalAddress('2001:DB8::1'), '2001:db8::1');
    assert.equal(canonicalAddress('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
    assert.equal(canonicalAddress('::ffff:192.0.2.1'), '::ffff:192.0.2.1');
    assert.equal(canonicalAddress('0:0:0:0:0:ffff:c000:0201'), '::ffff:192.0.2.1');
    assert.equal(canonicalAddress('[::1]'), '::1');
    assert.equal(canonicalAddress(' 10.77.1.2 '), '10.77.1.2');
  });

  it('accepts exactly what node:net accepts (minus zone ids), never throws', () => {
    const chars = fc.constantFrom(...'0123456789abcdefABCDEF:.'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: chars, maxLength: 45 }), fc.ipV4(), fc.ipV6(), fc.string()), (s) => {
        const c = canonicalAddress(s);
        assert.equal(c !== null, isIP(s) !== 0, `${s} → ${c}`);
        if (c !== null) assert.equal(isIP(c), isIP(s));
      }),
      { numRuns: 5000, seed: 8 },
    );
  });
});
