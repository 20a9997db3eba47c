import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeLinkPayload, encodeLinkPayload } from './link.js';

const token = fc.stringMatching(/^[A-Za-z0-9_-]{16,128}$/);
/** Well-formed Unicode (encodeURIComponent refuses lone surrogates); short enough for the 2048 cap. */
const server = fc.oneof(fc.webUrl(), fc.string({ maxLength: 80, unit: 'grapheme' }));

describe('link payload', () => {
  it('round-trips any server and token', () => {
    fc.assert(
      fc.property(server, token, (s, t) => {
        const text = encodeLinkPayload({ server: s, token: t });
        assert.ok(text.startsWith('parley://link?v=1&'));
        assert.deepEqual(decodeLinkPayload(text), { server: s, token: t });
      }),
      { numRuns: 2000 },
    );
  });

  it('a real link token (32 base64url chars) fits the format', () => {
    const t = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
    assert.deepEqual(decodeLinkPayload(encodeLinkPayload({ server: 'https://chat.example.org', token: t })), { server: 'https://chat.example.org', token: t });
  });

  it('never throws on garbage and returns undefined or a valid payload', () => {
    const garbage = fc.oneof(
      fc.string({ maxLength: 300, unit: 'binary' }),
      fc.string({ maxLength: 300, unit: 'binary' }).map((s) => `parley://link?${s}`),
      fc.tuple(fc.string({ maxLength: 40, unit: 'binary' }), fc.string({ maxLength: 200, unit: 'binary' })).map(([s, t]) => `parley://link?v=1&s=${s}&t=${t}`),
      fc.string({ maxLength: 40 }).map((s) => `parley://link?v=1&s=%${s}&t=%E0%A4%A`),
    );
    fc.assert(
      fc.property(garbage, (text) => {
        const r = decodeLinkPayload(text);
        if (r !== undefined) {
          assert.equal(typeof r.server, 'string');
          assert.match(r.token, /^[A-Za-z0-9_-]{16,128}$/);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects wrong version, missing or malformed parts and oversize payloads', () => {
    const t = 'a'.repeat(20);
    const cases = [
      '',
      `https://link?v=1&s=x&t=${t}`,
      `parley://link?v=2&s=x&t=${t}`,
      `parley://link?s=x&t=${t}`,
      `parley://link?v=1&t=${t}`,
      `parley://link?v=1&s=x`,
      `parley://link?v=1&s=x&t=short`,
      `parley://link?v=1&s=x&t=${'a'.repeat(129)}`,
      `parley://link?v=1&s=x&t=${'a'.repeat(19)}%2F`,
      `parley://link?v=1&s=${'x'.repeat(2048)}&t=${t}`,
    ];
    for (const c of cases) assert.equal(decodeLinkPayload(c), undefined, c.slice(0, 80));
    for (const v of [undefined, null, 42, {}, []]) assert.equal(decodeLinkPayload(v as unknown as string), undefined);
  });
});
