import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ServerTransactions } from '../../src/sip/server-transactions.js';
import { buildResponse } from '../../src/sip/responses.js';
import { parseMessage, type SipRequest } from '../../src/sip/parser/index.js';
import type { Flow } from '../../src/sip/transport/flow.js';
import { NonceBook } from '../../src/sip/auth/nonces.js';
import { randomBytes } from 'node:crypto';

// Server transactions (RFC 3261 §17.2) as the registrar uses them: retransmissions answered from
// memory, challenges stateless, entries forgotten after 64·T1 by one sweep.
const source = { address: '127.0.0.1', port: 5099, transport: 'UDP' as const };

function request(method: string, branch: string): SipRequest {
  const r = parseMessage(
    Buffer.from(`${method} sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=${branch};rport\r\nFrom: <sip:101@parley>;tag=a\r\nTo: <sip:101@parley>\r\nCall-ID: c@test\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`),
    { datagram: true },
  );
  assert.ok(r.ok && r.value.kind === 'request');
  return r.value;
}

function flow(): Flow & { sent: Buffer[] } {
  const sent: Buffer[] = [];
  return { id: 'udp:127.0.0.1:5099', transport: 'UDP', address: '127.0.0.1', port: 5099, localPort: 5060, send: (b) => sent.push(b), isOpen: () => true, sent };
}

describe('SIP server transactions', () => {
  it('a retransmitted request is answered with the stored response and not processed again', () => {
    const txns = new ServerTransactions();
    const f = flow();
    const req = request('REGISTER', 'z9hG4bK-1');
    assert.equal(txns.absorb(req, f), false, 'new transaction');
    txns.begin(req);
    assert.equal(txns.absorb(request('REGISTER', 'z9hG4bK-1'), f), true, 'in progress: absorbed silently');
    assert.equal(f.sent.length, 0);
    txns.respond(req, buildResponse(req, 200, source, { toTag: 't' }), f);
    assert.equal(f.sent.length, 1);
    assert.equal(txns.absorb(request('REGISTER', 'z9hG4bK-1'), f), true);
    assert.equal(f.sent.length, 2);
    assert.deepEqual(f.sent[1], f.sent[0], 'the same bytes again');
    assert.equal(txns.absorb(request('REGISTER', 'z9hG4bK-2'), f), false, 'another branch is another transaction');
    txns.close();
  });

  it('challenges are stateless: nothing is kept, a retransmission is processed again (and gets a fresh challenge)', () => {
    const txns = new ServerTransactions();
    const f = flow();
    for (const [method, status] of [['REGISTER', 401], ['INVITE', 407]] as const) {
      const req = request(method, `z9hG4bK-${method}`);
      txns.begin(req);
      txns.respond(req, buildResponse(req, status, source, { toTag: 't' }), f);
      assert.equal(txns.absorb(request(method, `z9hG4bK-${method}`), f), false, `${status} not remembered`);
    }
    assert.equal(txns.size(), 0);
    txns.close();
  });

  it('on reliable transports a non-INVITE final answer ends the transaction at once (Timer J = 0)', () => {
    const txns = new ServerTransactions();
    const tls = { ...flow(), transport: 'TLS' as const };
    const req = request('REGISTER', 'z9hG4bK-tls');
    txns.begin(req);
    assert.equal(txns.size(), 1, 'in progress');
    txns.respond(req, buildResponse(req, 200, source, { toTag: 't' }), tls);
    assert.equal(txns.size(), 0);
    txns.close();
  });

  it('entries expire after 64·T1 (32 s) through the sweep', () => {
    let now = 1_000_000;
    const txns = new ServerTransactions(() => now);
    const f = flow();
    for (let i = 0; i < 3; i++) {
      const req = request('REGISTER', `z9hG4bK-e${i}`);
      txns.begin(req);
      txns.respond(req, buildResponse(req, 200, source, { toTag: 't' }), f);
      now += 1000;
    }
    assert.equal(txns.size(), 3);
    now = 1_000_000 + 32_000 + 500; // past the first one's expiry only
    txns.sweep();
    assert.equal(txns.size(), 2);
    assert.equal(txns.absorb(request('REGISTER', 'z9hG4bK-e0'), f), false, 'forgotten');
    assert.equal(txns.absorb(request('REGISTER', 'z9hG4bK-e1'), f), true, 'still remembered');
    now += 10_000;
    txns.sweep();
    assert.equal(txns.size(), 0);
    txns.close();
  });

  it('a non-2xx final answer to an INVITE over UDP is retransmitted (Timer G) until the ACK', async () => {
    const txns = new ServerTransactions();
    const f = flow();
    const invite = request('INVITE', 'z9hG4bK-g');
    txns.begin(invite);
    txns.respond(invite, buildResponse(invite, 486, source, { toTag: 't' }), f);
    assert.equal(f.sent.length, 1);
    await new Promise((r) => setTimeout(r, 650)); // T1 = 500 ms
    assert.equal(f.sent.length, 2, 'retransmitted after T1');
    assert.equal(txns.absorb(request('ACK', 'z9hG4bK-g'), f), true, 'the ACK matches the INVITE transaction');
    await new Promise((r) => setTimeout(r, 1100)); // the next one would come 1 s later
    assert.equal(f.sent.length, 2, 'the ACK stopped Timer G');
    txns.close();
  });
});

describe('digest nonces', () => {
  it('carry their issue time, verify only with our key, and differ every time', () => {
    const key = randomBytes(32);
    const book = new NonceBook(key, 60_000);
    const t = Date.UTC(2026, 10, 22, 12, 0, 0);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(book.issue(t));
    assert.equal(seen.size, 1000);
    const n = book.issue(t);
    assert.match(n, /^[A-Za-z0-9_-]{38}$/);
    assert.equal(book.check(n, '00000001', t + 59_000), 'ok');
    assert.equal(book.check(n, '00000001', t + 61_000), 'stale', 'the issue time survived the round trip');
    assert.equal(new NonceBook(Buffer.from(key), 60_000).check(n, '00000001', t), 'ok', 'any process with the key verifies it');
    assert.equal(new NonceBook(randomBytes(32), 60_000).check(n, '00000001', t), 'forged');
    // Every single-bit change of the tagged part or the tag is caught.
    const raw = Buffer.from(n, 'base64url');
    for (let bit = 0; bit < raw.length * 8; bit++) {
      const flipped = Buffer.from(raw);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      assert.equal(book.check(flipped.toString('base64url'), '00000001', t), 'forged', `bit ${bit}`);
    }
    assert.throws(() => new NonceBook(randomBytes(16), 60_000), /32 bytes/);
  });
});
