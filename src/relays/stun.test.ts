import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Class, Method, attribute, checkFingerprint, decodeStun, encodeStun, longTermKey, messageType, verifyIntegrity, type StunAttribute } from './stun.js';
import { Attr, decodeErrorCode, decodeXorAddress, encodeErrorCode, encodeXorAddress, formatAddress, addressBytes, type TransportAddress } from './stun-attributes.js';
import { decodeChannelData, encodeChannelData } from './channel-data.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 test vectors (§2.1–§2.4), byte for byte.
const SAMPLE_REQUEST = hex(`
  0001 0058 2112a442 b7e7a701bc34d686fa87dfae
  8022 0010 5354554e207465737420636c69656e74
  0024 0004 6e0001ff
  8029 0008 932ff9b151263b36
  0006 0009 6576746a3a68367659202020
  0008 0014 9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2
  8028 0004 e57a3bcf`);
const SAMPLE_IPV4_RESPONSE = hex(`
  0101 003c 2112a442 b7e7a701bc34d686fa87dfae
  8022 000b 7465737420766563746f7220
  0020 0008 0001a147e112a643
  0008 0014 2b91f599fd9e90c38c7489f92af9ba53f06be7d7
  8028 0004 c07d4c96`);
const SAMPLE_IPV6_RESPONSE = hex(`
  0101 0048 2112a442 b7e7a701bc34d686fa87dfae
  8022 000b 7465737420766563746f7220
  0020 0014 0002a147 0113a9faa5d3f179bc25f4b5bed2b9d9
  0008 0014 a382954e4be67bf11784c97c8292c275bfe3ed41
  8028 0004 c8fb0b4c`);
const SAMPLE_LONG_TERM_REQUEST = hex(`
  0001 0060 2112a442 78ad3433c6ad72c029da412e
  0006 0012 e3839ee38388e383aae38383e382afe382b90000
  0015 001c 662f2f3439396b39353464364f4c33346f4c394653547679363473 41
  0014 000b 6578616d706c652e6f726700
  0008 0014 f67024656dd64a3e02b8e0712e85c9a28ca89666`);
const SHORT_TERM_KEY = Buffer.from('VOkJxbRl1RmTxUk/WvJxBt');

describe('STUN codec: RFC 5769 test vectors', () => {
  it('2.1 sample request: integrity (short-term) and fingerprint verify; attributes read', () => {
    const m = decodeStun(SAMPLE_REQUEST);
    assert.ok(m);
    assert.equal(m.method, Method.Binding);
    assert.equal(m.cls, Class.Request);
    assert.equal(attribute(m, Attr.Username)?.toString(), 'evtj:h6vY');
    assert.equal(attribute(m, Attr.Software)?.toString(), 'STUN test client');
    assert.equal(verifyIntegrity(m, SHORT_TERM_KEY), true);
    assert.equal(verifyIntegrity(m, Buffer.from('wrong password')), false);
    assert.equal(checkFingerprint(m), 'ok');
  });

  it('2.2 IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853', () => {
    const m = decodeStun(SAMPLE_IPV4_RESPONSE);
    assert.ok(m);
    assert.equal(m.cls, Class.Success);
    assert.deepEqual(decodeXorAddress(attribute(m, Attr.XorMappedAddress)!, m.transactionId), { family: 'IPv4', address: '192.0.2.1', port: 32853 });
    assert.equal(verifyIntegrity(m, SHORT_TERM_KEY), true);
    assert.equal(checkFingerprint(m), 'ok');
  });

  it('2.3 IPv6 response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853', () => {
    const m = decodeStun(SAMPLE_IPV6_RESPONSE);
    assert.ok(m);
    assert.deepEqual(decodeXorAddress(attribute(m, Attr.XorMappedAddress)!, m.transactionId), { family: 'IPv6', address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
    assert.equal(verifyIntegrity(m, SHORT_TERM_KEY), true);
    assert.equal(checkFingerprint(m), 'ok');
  });

  it('2.4 long-term credential request: MD5(username:realm:password) keys the HMAC', () => {
    const m = decodeStun(SAMPLE_LONG_TERM_REQUEST);
    assert.ok(m);
    assert.equal(attribute(m, Attr.Realm)?.toString(), 'example.org');
    assert.equal(attribute(m, Attr.Nonce)?.toString(), 'f//499k954d6OL34oL9FSTvy64sA');
    // The password after SASLprep (RFC 5769 §2.4): "The<U+00AD>M<U+00AA>tr<U+2168>" → "TheMatrIX".
    assert.equal(verifyIntegrity(m, longTermKey('\u30de\u30c8\u30ea\u30c3\u30af\u30b9', 'example.org', 'TheMatrIX')), true);
    assert.equal(verifyIntegrity(m, longTermKey('\u30de\u30c8\u30ea\u30c3\u30af\u30b9', 'example.org', 'TheMatrix')), false);
    assert.equal(checkFingerprint(m), 'missing');
  });

  it('our encoder reproduces the long-term request of §2.4 byte for byte', () => {
    const m = decodeStun(SAMPLE_LONG_TERM_REQUEST)!;
    const key = longTermKey('\u30de\u30c8\u30ea\u30c3\u30af\u30b9', 'example.org', 'TheMatrIX');
    const attributes = m.attributes.filter((a) => a.type !== Attr.MessageIntegrity);
    const out = encodeStun({ method: m.method, cls: m.cls, transactionId: m.transactionId, attributes }, { integrityKey: key });
    assert.equal(out.toString('hex'), SAMPLE_LONG_TERM_REQUEST.toString('hex'));
  });
});

describe('STUN codec', () => {
  it('message types interleave method and class bits (RFC 8489 §5)', () => {
    assert.equal(messageType(Method.Binding, Class.Request), 0x0001);
    assert.equal(messageType(Method.Binding, Class.Success), 0x0101);
    assert.equal(messageType(Method.Allocate, Class.Request), 0x0003);
    assert.equal(messageType(Method.Allocate, Class.Error), 0x0113);
    assert.equal(messageType(Method.Send, Class.Indication), 0x0016);
    assert.equal(messageType(Method.Data, Class.Indication), 0x0017);
    assert.equal(messageType(Method.ChannelBind, Class.Success), 0x0109);
  });

  it('round-trips a signed, fingerprinted Allocate; any flipped bit breaks integrity or fingerprint', () => {
    const transactionId = Buffer.alloc(12, 7);
    const key = longTermKey('1700000000:abc', 'parley', 'secret');
    const attributes: StunAttribute[] = [
      { type: Attr.RequestedTransport, value: Buffer.from([17, 0, 0, 0]) },
      { type: Attr.Username, value: Buffer.from('1700000000:abc') },
      { type: Attr.Realm, value: Buffer.from('parley') },
    ];
    const bytes = encodeStun({ method: Method.Allocate, cls: Class.Request, transactionId, attributes }, { integrityKey: key, fingerprint: true });
    const m = decodeStun(bytes)!;
    assert.equal(m.method, Method.Allocate);
    assert.deepEqual(m.attributes.slice(0, 3).map((a) => a.value.toString('hex')), attributes.map((a) => a.value.toString('hex')));
    assert.equal(verifyIntegrity(m, key), true);
    assert.equal(checkFingerprint(m), 'ok');
    for (let i = 20; i < bytes.length; i++) {
      const copy = Buffer.from(bytes);
      copy[i] = copy[i]! ^ 0x01;
      const mm = decodeStun(copy);
      if (mm) assert.ok(!verifyIntegrity(mm, key) || checkFingerprint(mm) !== 'ok', `bit flip at ${i} went unnoticed`);
    }
  });

  it('ignores attributes after MESSAGE-INTEGRITY except FINGERPRINT (RFC 8489 §14.5)', () => {
    const key = Buffer.from('k');
    const signed = encodeStun({ method: Method.Binding, cls: Class.Success, transactionId: Buffer.alloc(12), attributes: [] }, { integrityKey: key });
    const extra = Buffer.from([0x80, 0x22, 0x00, 0x04, 0x61, 0x62, 0x63, 0x64]); // SOFTWARE "abcd"
    const bytes = Buffer.concat([signed, extra]);
    bytes.writeUInt16BE(bytes.length - 20, 2);
    const m = decodeStun(bytes)!;
    assert.equal(attribute(m, Attr.Software), undefined);
    assert.equal(verifyIntegrity(m, key), true);
  });

  it('refuses malformed framing: bad cookie, length, truncated attribute, FINGERPRINT not last', () => {
    const good = encodeStun({ method: Method.Binding, cls: Class.Request, transactionId: Buffer.alloc(12), attributes: [{ type: Attr.Software, value: Buffer.from('x') }] }, { fingerprint: true });
    assert.ok(decodeStun(good));
    const badCookie = Buffer.from(good);
    badCookie[4] = 0;
    assert.equal(decodeStun(badCookie), null);
    assert.equal(decodeStun(good.subarray(0, good.length - 4)), null);
    const longer = Buffer.concat([good, Buffer.alloc(4)]);
    assert.equal(decodeStun(longer), null, 'length field must match the datagram');
    longer.writeUInt16BE(longer.length - 20, 2);
    assert.equal(decodeStun(longer), null, 'nothing may follow FINGERPRINT');
  });

  it('ERROR-CODE carries class and number (RFC 8489 §14.8)', () => {
    assert.deepEqual(decodeErrorCode(encodeErrorCode(438, 'Stale Nonce')), { code: 438, reason: 'Stale Nonce' });
    assert.deepEqual(decodeErrorCode(encodeErrorCode(403, 'Forbidden IP')), { code: 403, reason: 'Forbidden IP' });
    assert.equal(decodeErrorCode(Buffer.from([0, 0, 9, 0])), null);
  });

  it('ChannelData round-trips and rejects numbers outside 0x4000–0x4FFF (RFC 8656 §12)', () => {
    const data = Buffer.from('rtp payload');
    assert.deepEqual(decodeChannelData(encodeChannelData(0x4001, data)), { channel: 0x4001, data });
    const padded = Buffer.concat([encodeChannelData(0x4fff, Buffer.from('abc')), Buffer.alloc(1)]);
    assert.equal(decodeChannelData(padded)?.data.toString(), 'abc');
    assert.equal(decodeChannelData(Buffer.from([0x50, 0, 0, 0])), null);
    assert.throws(() => encodeChannelData(0x3fff, data));
  });

  it('formats IPv6 per RFC 5952', () => {
    assert.equal(formatAddress(addressBytes('2001:0db8:0000:0000:0000:0000:0000:0001')!), '2001:db8::1');
    assert.equal(formatAddress(addressBytes('::')!), '::');
    assert.equal(formatAddress(addressBytes('1:0:0:2:0:0:0:3')!), '1:0:0:2::3');
    assert.equal(formatAddress(addressBytes('::ffff:192.0.2.1')!), '::ffff:c000:201');
  });
});

describe('STUN codec properties (fast-check)', () => {
  const attr = fc.record({ type: fc.integer({ min: 0, max: 0xffff }).filter((t) => t !== Attr.MessageIntegrity && t !== Attr.Fingerprint), value: fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)) });
  const message = fc.record({
    method: fc.constantFrom(...Object.values(Method)),
    cls: fc.constantFrom(Class.Request, Class.Indication, Class.Success, Class.Error),
    transactionId: fc.uint8Array({ minLength: 12, maxLength: 12 }).map((u) => Buffer.from(u)),
    attributes: fc.array(attr, { maxLength: 8 }),
  });
  const key = fc.uint8Array({ minLength: 1, maxLength: 20 }).map((u) => Buffer.from(u));
  const ipv4 = fc.ipV4();
  const ipv6 = fc.ipV6();

  it('decoders never throw on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (u) => {
        const m = decodeStun(u);
        if (m) {
          verifyIntegrity(m, Buffer.from('k'));
          checkFingerprint(m);
          for (const a of m.attributes) {
            decodeXorAddress(a.value, m.transactionId);
            decodeErrorCode(a.value);
          }
        }
        decodeChannelData(u);
      }),
      { numRuns: 3000 },
    );
  });

  it('decoders never throw on random bytes behind a valid header (the hard path)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(0xffff), (body, len) => {
        const head = Buffer.from(hex('0101 0000 2112a442 000000000000000000000000'));
        head.writeUInt16BE(len % 2 ? body.length : len & 0xfffc, 2);
        decodeStun(Buffer.concat([head, Buffer.from(body)]));
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated valid messages (bytes changed, truncated, extended) never make the decoder throw', () => {
    fc.assert(
      fc.property(message, key, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }), fc.nat(), fc.uint8Array({ maxLength: 16 }), (msg, k, edits, cut, tail) => {
        const bytes = encodeStun(msg, { integrityKey: k, fingerprint: true });
        for (const [at, v] of edits) bytes[at % bytes.length] = v;
        const variants = [bytes, bytes.subarray(0, cut % (bytes.length + 1)), Buffer.concat([bytes, Buffer.from(tail)])];
        for (const b of variants) {
          const m = decodeStun(b);
          if (m) {
            verifyIntegrity(m, k);
            checkFingerprint(m);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('encode → decode keeps every attribute, and the integrity and fingerprint verify', () => {
    fc.assert(
      fc.property(message, key, (msg, k) => {
        const m = decodeStun(encodeStun(msg, { integrityKey: k, fingerprint: true }));
        assert.ok(m);
        assert.equal(m.method, msg.method);
        assert.equal(m.cls, msg.cls);
        assert.deepEqual(m.attributes.slice(0, msg.attributes.length).map((a) => [a.type, a.value.toString('hex')]), msg.attributes.map((a) => [a.type, a.value.toString('hex')]));
        assert.equal(verifyIntegrity(m, k), true);
        assert.equal(checkFingerprint(m), 'ok');
      }),
      { numRuns: 1000 },
    );
  });

  it('XOR addresses round-trip for any IPv4/IPv6 address, port and transaction id', () => {
    fc.assert(
      fc.property(fc.oneof(ipv4, ipv6), fc.integer({ min: 0, max: 65535 }), fc.uint8Array({ minLength: 12, maxLength: 12 }), (ip, port, tid) => {
        const id = Buffer.from(tid);
        const family: TransportAddress['family'] = ip.includes(':') ? 'IPv6' : 'IPv4';
        const decoded = decodeXorAddress(encodeXorAddress({ family, address: ip, port }, id), id);
        assert.ok(decoded);
        assert.equal(decoded.port, port);
        assert.deepEqual(addressBytes(decoded.address), addressBytes(ip));
      }),
      { numRuns: 2000 },
    );
  });

  it('ChannelData round-trips any payload', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x4000, max: 0x4fff }), fc.uint8Array({ maxLength: 1500 }), (ch, data) => {
        const d = decodeChannelData(encodeChannelData(ch, data));
        assert.ok(d);
        assert.equal(d.channel, ch);
        assert.deepEqual(new Uint8Array(d.data), data);
      }),
      { numRuns: 1000 },
    );
  });
});
