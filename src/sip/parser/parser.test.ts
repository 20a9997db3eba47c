import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import {
  parseMessage, frameStream, headerValue, headerValues, parseNameAddr, parseVia, parseCSeq, parseDigest,
  parseUri, formatUri, serializeMessage, DEFAULT_SIP_LIMITS, type SipMessage,
} from './index.js';

const FIXTURES = new URL('../../../../tests/fixtures/sip/', import.meta.url);
const corpus = readdirSync(FIXTURES).filter((f) => f.endsWith('.sip')).map((f) => ({ name: f, bytes: readFileSync(new URL(f, FIXTURES)) }));

function parsed(bytes: Buffer | string, datagram = true): SipMessage {
  const r = parseMessage(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), { datagram });
  if (!r.ok) assert.fail(`parse failed: ${r.error.code} ${r.error.detail}`);
  return r.value;
}

test('every fixture parses and survives serialize → parse unchanged', () => {
  assert.ok(corpus.length >= 4);
  for (const { name, bytes } of corpus) {
    const msg = parsed(bytes, false);
    const again = parsed(serializeMessage(msg), false);
    assert.deepEqual(again, msg, name);
  }
});

test('RFC 3665 INVITE: request line, headers, SDP body by Content-Length', () => {
  const msg = parsed(corpus.find((c) => c.name === 'rfc3665-invite.sip')!.bytes, false);
  assert.equal(msg.kind, 'request');
  if (msg.kind !== 'request') return;
  assert.equal(msg.method, 'INVITE');
  assert.equal(msg.uri, 'sip:bob@biloxi.example.com');
  assert.match(msg.body.toString(), /^v=0\r\n/);
  assert.equal(msg.body.length, Number(headerValue(msg, 'Content-Length')));
  const from = parseNameAddr(headerValue(msg, 'From')!);
  assert.ok(from.ok);
  if (from.ok) {
    assert.equal(from.value.displayName, 'Alice');
    assert.equal(from.value.uri.user, 'alice');
    assert.equal(from.value.params.get('tag'), '9fxced76sl');
  }
  assert.deepEqual(parseCSeq(headerValue(msg, 'CSeq')!), { ok: true, value: { seq: 1, method: 'INVITE' } });
});

test('compact forms, folding, quoted commas and multi-value headers (RFC 3261 §7.3, RFC 4475 §3.1.1.1)', () => {
  const msg = parsed(corpus.find((c) => c.name === 'torture-options.sip')!.bytes);
  const vias = headerValues(msg, 'Via').map((v) => parseVia(v));
  assert.equal(vias.length, 2);
  assert.ok(vias[0]!.ok && vias[1]!.ok);
  if (vias[1]!.ok) {
    assert.equal(vias[1]!.value.host, '2001:db8::9');
    assert.equal(vias[1]!.value.port, 5070);
    assert.equal(vias[1]!.value.params.has('rport'), true);
  }
  const from = parseNameAddr(headerValue(msg, 'From')!);
  assert.ok(from.ok && from.value.displayName === 'J "Rosenberg", jr');
  assert.equal(headerValue(msg, 'Subject'), 'folded subject');
  assert.deepEqual(parseCSeq(headerValue(msg, 'CSeq')!), { ok: true, value: { seq: 8, method: 'OPTIONS' } });
  const contacts = headerValues(msg, 'Contact');
  assert.equal(contacts.length, 2);
  const second = parseNameAddr(contacts[1]!);
  assert.ok(second.ok && second.value.params.get('expires') === '60' && second.value.uri.params.has('lr'));
  const to = parseNameAddr(headerValue(msg, 'To')!);
  assert.ok(to.ok && to.value.uri.user === 'user');
});

test('digest challenge parameters: quoted commas, case-insensitive names, duplicates refused (RFC 7616 §3.4)', () => {
  const msg = parsed(corpus.find((c) => c.name === 'response-401.sip')!.bytes);
  const d = parseDigest(headerValue(msg, 'WWW-Authenticate')!);
  assert.ok(d.ok);
  if (d.ok) {
    assert.equal(d.value.params.get('nonce'), 'AAAA,BBBB');
    assert.equal(d.value.params.get('algorithm'), 'SHA-256');
    assert.equal(d.value.params.get('qop'), 'auth');
  }
  assert.equal(parseDigest('Digest realm="a", REALM="b"').ok, false);
  assert.equal(parseDigest('Basic abc').ok, false);
});

test('URIs: IPv6, ports, escapes, params; junk refused', () => {
  const u = parseUri('sips:%61lice@[2001:db8::1]:5061;transport=tls;ob');
  assert.ok(u.ok);
  if (u.ok) {
    assert.equal(u.value.user, 'alice');
    assert.equal(u.value.host, '2001:db8::1');
    assert.equal(u.value.port, 5061);
    assert.equal(u.value.params.get('transport'), 'tls');
    assert.equal(formatUri(u.value), 'sips:alice@[2001:db8::1]:5061;transport=tls;ob');
  }
  for (const bad of ['http://x', 'sip:', 'sip:@host', 'sip:a@b:99999', 'sip:a@300.1.1.1', 'sip:a@[::1', 'sip:a@bad_host']) assert.equal(parseUri(bad).ok, false, bad);
});

test('Content-Length rules: mandatory on streams, truncated bodies and duplicates refused (RFC 3261 §18.3)', () => {
  const noLen = 'OPTIONS sip:a@b.example SIP/2.0\r\nVia: SIP/2.0/UDP h.example;branch=z9hG4bK1\r\n\r\nbody';
  assert.equal(parsed(noLen).body.toString(), 'body');
  const stream = parseMessage(Buffer.from(noLen), { datagram: false });
  assert.ok(!stream.ok && stream.error.code === 'missing_header');
  const short = parseMessage(Buffer.from('OPTIONS sip:a@b.example SIP/2.0\r\nContent-Length: 10\r\n\r\nabc'), { datagram: true });
  assert.ok(!short.ok && short.error.code === 'truncated');
  const dup = parseMessage(Buffer.from('OPTIONS sip:a@b.example SIP/2.0\r\nl: 0\r\nContent-Length: 0\r\n\r\n'), { datagram: true });
  assert.ok(!dup.ok && dup.error.code === 'bad_content_length');
  // UDP: bytes past Content-Length are discarded (§18.3).
  assert.equal(parsed('OPTIONS sip:a@b.example SIP/2.0\r\nContent-Length: 2\r\n\r\nabcdef').body.toString(), 'ab');
});

test('header floods and oversized messages are refused with 413/513', () => {
  const flood = `OPTIONS sip:a@b.example SIP/2.0\r\n${'X-A: 1\r\n'.repeat(DEFAULT_SIP_LIMITS.maxHeaderCount + 1)}Content-Length: 0\r\n\r\n`;
  const r1 = parseMessage(Buffer.from(flood), { datagram: true });
  assert.ok(!r1.ok && r1.error.code === 'too_many_headers' && r1.error.status === 413);
  const long = `OPTIONS sip:a@b.example SIP/2.0\r\nX-A: ${'a'.repeat(DEFAULT_SIP_LIMITS.maxHeaderBytes)}\r\n\r\n`;
  const r2 = parseMessage(Buffer.from(long), { datagram: true });
  assert.ok(!r2.ok && r2.error.code === 'header_too_long');
  const huge = Buffer.alloc(DEFAULT_SIP_LIMITS.maxMessageBytes + 1, 0x41);
  const r3 = parseMessage(huge, { datagram: true });
  assert.ok(!r3.ok && r3.error.status === 513);
  assert.equal(frameStream(huge).kind, 'error');
});

test('stream framing: keep-alive pings (RFC 5626 §3.5.1), partial messages, back-to-back messages', () => {
  assert.deepEqual(frameStream(Buffer.from('\r\n\r\n')), { kind: 'keepalive', length: 4 });
  assert.deepEqual(frameStream(Buffer.from('\r\n')), { kind: 'need_more' });
  const reg = corpus.find((c) => c.name === 'rfc3665-register.sip')!.bytes;
  const inv = corpus.find((c) => c.name === 'rfc3665-invite.sip')!.bytes;
  const both = Buffer.concat([reg, inv]);
  for (let cut = 1; cut < reg.length; cut += 7) assert.equal(frameStream(both.subarray(0, cut)).kind, 'need_more');
  const first = frameStream(both);
  assert.deepEqual(first, { kind: 'message', length: reg.length });
  assert.deepEqual(frameStream(both.subarray(reg.length)), { kind: 'message', length: inv.length });
});

test('property: arbitrary bytes never throw, and errors carry a SIP status', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), (bytes, datagram) => {
      const buf = Buffer.from(bytes);
      const r = parseMessage(buf, { datagram });
      if (!r.ok) assert.ok([400, 413, 513].includes(r.error.status));
      const f = frameStream(buf);
      if (f.kind === 'message' || f.kind === 'keepalive') assert.ok(f.length > 0 && f.length <= buf.length);
    }),
    { numRuns: 3000 },
  );
});

test('property: mangled real messages (bytes flipped, cut, duplicated) never throw', () => {
  const base = fc.constantFrom(...corpus.map((c) => c.bytes));
  const mangle = fc.tuple(base, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(), fc.nat({ max: 3 }));
  fc.assert(
    fc.property(mangle, fc.boolean(), ([bytes, flips, cut, times], datagram) => {
      const b = Buffer.from(bytes);
      for (const [at, v] of flips) b[at % b.length] = v;
      const mangled = Buffer.concat(Array.from({ length: times + 1 }, () => b.subarray(0, Math.max(1, cut % (b.length + 1)))));
      const r = parseMessage(mangled, { datagram });
      if (r.ok) {
        for (const name of ['Via', 'From', 'To', 'Contact', 'CSeq', 'Route', 'Supported']) {
          // The hot-path shortcut must agree with the full list.
          assert.equal(headerValue(r.value, name), headerValues(r.value, name)[0]);
        }
        for (const name of ['Via', 'From', 'To', 'Contact', 'CSeq']) for (const v of headerValues(r.value, name)) {
          if (name === 'Via') parseVia(v);
          else if (name === 'CSeq') parseCSeq(v);
          else parseNameAddr(v);
        }
        // What parses must serialise and parse back to the same message.
        const again = parseMessage(serializeMessage(r.value), { datagram: false });
        assert.ok(again.ok);
      }
      frameStream(mangled);
    }),
    { numRuns: 3000 },
  );
});

test('property: generated requests round-trip through serialize → parse', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,12}$/);
  const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,40}[\x21-\x7e])?$/);
  const req = fc.record({
    method: fc.stringMatching(/^[A-Z]{3,9}$/),
    user: fc.stringMatching(/^[a-z0-9]{1,10}$/),
    headers: fc.array(fc.tuple(token, value), { maxLength: 20 }),
    body: fc.uint8Array({ maxLength: 300 }),
  });
  fc.assert(
    fc.property(req, ({ method, user, headers, body }) => {
      const msg: SipMessage = {
        kind: 'request', method, uri: `sip:${user}@example.com`,
        headers: headers.map(([n, v]) => ({ name: `X-${n}`, value: v })), body: Buffer.from(body),
      };
      const r = parseMessage(serializeMessage(msg), { datagram: false });
      assert.ok(r.ok);
      if (!r.ok || r.value.kind !== 'request') return;
      assert.equal(r.value.method, method);
      assert.deepEqual(r.value.body, msg.body);
      const xs = r.value.headers.filter((h) => h.name.startsWith('X-'));
      assert.deepEqual(xs.map((h) => h.value), headers.map(([, v]) => v));
    }),
    { numRuns: 1000 },
  );
});

test('header names: canonical, lower-case, compact in either case, odd spacing; `constructor`/`__proto__` are plain names', () => {
  const msg = parsed(
    'OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nF: <sip:x@y>;tag=1\r\nto  \t: <sip:a@b>\r\ncall-id: c1\r\nCSEQ: 1 OPTIONS\r\n' +
      'constructor: yes\r\n__proto__: no\r\nX-custom-thing: 1\r\nContent-Length: 0\r\n\r\n',
  );
  assert.deepEqual(msg.headers.map((h) => h.name), ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Constructor', '__proto__', 'X-Custom-Thing', 'Content-Length']);
  assert.equal(headerValue(msg, 'To'), '<sip:a@b>');
  assert.ok(msg.headers.every((h) => typeof h.name === 'string'));
});

test('line ends: CRLF, bare LF and a mix split the same way; a stray CR stays inside its line', () => {
  const crlf = parsed('OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n');
  const lf = parsed('OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nX-A: 1\nContent-Length: 0\n\n');
  const mixed = parsed('OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nX-A: 1\r\nContent-Length: 0\n\n');
  assert.deepEqual(lf, crlf);
  assert.deepEqual(mixed, crlf);
  const stray = parsed('OPTIONS sip:a@b SIP/2.0\r\nX-A: 1\r2\r\nContent-Length: 0\r\n\r\n');
  assert.equal(headerValue(stray, 'X-A'), '1\r2');
});
