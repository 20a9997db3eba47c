import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeClientFrame, encodeClientFrame, type ClientFrame } from './frames.js';

const MAX_ID = 2 ** 31 - 1;

/** JSON-normalised (no -0, no undefined) so a round trip through text compares equal. */
const jsonObject = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6, noNullPrototype: true }).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);
const count = fc.integer({ min: 0, max: MAX_ID });
const token = fc.string({ minLength: 1, maxLength: 512, unit: 'binary' });
const method = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9.]{0,63}$/);

const validFrame: fc.Arbitrary<ClientFrame> = fc.oneof(
  fc.record({ op: fc.constant('hello' as const), token, pts: count }, { requiredKeys: ['op', 'token'], noNullPrototype: true }),
  fc.record({ op: fc.constant('ping' as const), id: count }, { requiredKeys: ['op'], noNullPrototype: true }),
  fc.record({ op: fc.constant('call' as const), id: count, method, params: jsonObject }, { noNullPrototype: true }),
);

/** A valid frame with one key removed, replaced by arbitrary JSON, or one key added. */
const mutatedFrame = fc.tuple(validFrame, fc.nat(), fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('delete', 'replace', 'add')).map(([frame, pick, value, how]) => {
  const obj: Record<string, unknown> = { ...frame };
  const keys = Object.keys(obj);
  const key = keys[pick % keys.length]!;
  if (how === 'delete') delete obj[key];
  else if (how === 'replace') obj[key] = value;
  else obj[`x${pick}`] = value;
  return JSON.stringify(obj);
});

/** Text-level damage: truncate, or splice arbitrary characters into valid frame text. */
const damagedText = fc.tuple(validFrame.map(encodeClientFrame), fc.nat(), fc.string({ maxLength: 8, unit: 'binary' }), fc.boolean()).map(([text, at, insert, truncate]) => {
  const i = at % (text.length + 1);
  return truncate ? text.slice(0, i) : text.slice(0, i) + insert + text.slice(i);
});

function decodes(text: string): ReturnType<typeof decodeClientFrame> {
  // The contract: a typed result for every input, never an exception.
  const r = decodeClientFrame(text);
  assert.equal(typeof r.ok, 'boolean');
  if (!r.ok) {
    assert.ok(r.code === 'invalid_json' || r.code === 'bad_frame');
    assert.equal(typeof r.message, 'string');
  }
  return r;
}

describe('decodeClientFrame', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (s) => void decodes(s)), { numRuns: 2000 });
  });

  it('never throws on arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => void decodes(JSON.stringify(v))), { numRuns: 2000 });
  });

  it('never throws on deeply nested input', () => {
    for (const depth of [1000, 100_000]) {
      const r = decodes(`{"op":"call","id":1,"method":"m","params":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`);
      // JSON.parse may give up on extreme nesting: that is invalid_json, not a crash.
      if (!r.ok) assert.equal(r.code, 'invalid_json');
    }
  });

  it('never throws on mutated valid frames, and any accepted frame is well-formed', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedFrame, damagedText), (text) => {
        const r = decodes(text);
        if (r.ok) assertWellFormed(r.value);
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips every valid frame through encodeClientFrame', () => {
    fc.assert(
      fc.property(validFrame, (frame) => {
        const r = decodeClientFrame(encodeClientFrame(frame));
        assert.ok(r.ok, `rejected ${encodeClientFrame(frame)}`);
        assert.deepEqual(r.value, frame);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects out-of-range and non-integer ids and pts', () => {
    const bad = fc.oneof(
      fc.integer({ min: MAX_ID + 1, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -1 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
      fc.constantFrom(1e300, -1e300, 2 ** 31, -1),
      fc.string({ maxLength: 5 }),
      fc.constantFrom(null, true, false),
      fc.array(fc.nat(), { maxLength: 2 }),
    );
    fc.assert(
      fc.property(bad, token, method, (v, tok, m) => {
        for (const frame of [{ op: 'hello', token: tok, pts: v }, { op: 'ping', id: v }, { op: 'call', id: v, method: m, params: {} }]) {
          const r = decodeClientFrame(JSON.stringify(frame));
          assert.equal(r.ok, false, `accepted ${JSON.stringify(frame)}`);
          if (!r.ok) assert.equal(r.code, 'bad_frame');
        }
      }),
      { numRuns: 1000 },
    );
    // Exponent notation that JSON.parse turns into out-of-range numbers.
    for (const text of ['{"op":"ping","id":1e10}', '{"op":"ping","id":2147483648}', '{"op":"hello","token":"t","pts":-1}', '{"op":"hello","token":"t","pts":1e400}']) {
      assert.equal(decodeClientFrame(text).ok, false, text);
    }
    // The bounds themselves are accepted.
    assert.deepEqual(decodeClientFrame(`{"op":"ping","id":${MAX_ID}}`), { ok: true, value: { op: 'ping', id: MAX_ID } });
    assert.deepEqual(decodeClientFrame('{"op":"hello","token":"t","pts":0}'), { ok: true, value: { op: 'hello', token: 't', pts: 0 } });
  });

  it('classifies errors: invalid_json for non-JSON, bad_frame for wrong shapes', () => {
    assert.equal(code('not json'), 'invalid_json');
    assert.equal(code(''), 'invalid_json');
    assert.equal(code('{"op":"hello"'), 'invalid_json');
    for (const text of ['[]', '"hello"', '42', 'null', '{}', '{"op":"nope"}', '{"op":"hello"}', '{"op":"hello","token":""}', `{"op":"hello","token":"${'x'.repeat(513)}"}`, '{"op":"call","id":1,"method":"9bad","params":{}}', '{"op":"call","id":1,"method":"a","params":[]}', '{"op":"call","id":1,"method":"a","params":"x"}', '{"op":"call","method":"a"}']) {
      assert.equal(code(text), 'bad_frame', text);
    }
  });

  it('drops unknown keys instead of passing them through', () => {
    const r = decodeClientFrame('{"op":"ping","id":3,"evil":{"__proto__":{"polluted":1}}}');
    assert.deepEqual(r, { ok: true, value: { op: 'ping', id: 3 } });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

function code(text: string): string | undefined {
  const r = decodeClientFrame(text);
  return r.ok ? undefined : r.code;
}

function assertWellFormed(f: ClientFrame): void {
  switch (f.op) {
    case 'hello':
      assert.ok(typeof f.token === 'string' && f.token.length > 0 && f.token.length <= 512);
      if (f.pts !== undefined) assert.ok(Number.isInteger(f.pts) && f.pts >= 0 && f.pts <= MAX_ID);
      return;
    case 'ping':
      if (f.id !== undefined) assert.ok(Number.isInteger(f.id) && f.id >= 0 && f.id <= MAX_ID);
      return;
    case 'call':
      assert.ok(Number.isInteger(f.id) && f.id >= 0 && f.id <= MAX_ID);
      assert.match(f.method, /^[a-zA-Z][a-zA-Z0-9.]{0,63}$/);
      assert.ok(typeof f.params === 'object' && f.params !== null && !Array.isArray(f.params));
      return;
    default:
      assert.fail(`unexpected op ${JSON.stringify(f)}`);
  }
}
