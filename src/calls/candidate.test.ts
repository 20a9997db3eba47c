import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../kernel/errors.js';
import { dropReason, formatCandidate, isIPv6, parseCandidate } from './candidate.js';

const badReason = (value: string): string => {
  try {
    parseCandidate(value);
  } catch (err) {
    assert.ok(err instanceof AppError && err.code === 'bad_candidate', `not bad_candidate: ${String(err)}`);
    return String(err.data?.reason);
  }
  assert.fail(`accepted: ${value}`);
};

describe('ICE candidate grammar (RFC 8839 §5.1)', () => {
  it('parses the candidate types browsers send', () => {
    const relay = parseCandidate('candidate:1052390478 1 udp 41885439 198.51.100.7 50004 typ relay raddr 203.0.113.45 rport 50003 generation 0 ufrag Vh5z network-id 1');
    assert.deepEqual(
      { ...relay, extensions: relay.extensions },
      { foundation: '1052390478', component: 1, transport: 'udp', priority: 41885439, address: '198.51.100.7', port: 50004, type: 'relay', relAddr: '203.0.113.45', relPort: 50003, extensions: [['generation', '0'], ['ufrag', 'Vh5z'], ['network-id', '1']] },
    );
    assert.equal(parseCandidate('candidate:1 1 UDP 2122260223 4f1c0a3e-1b2d-4a5e-9f00-1c2b3a4d5e6f.local 61001 typ host').address, '4f1c0a3e-1b2d-4a5e-9f00-1c2b3a4d5e6f.local');
    assert.equal(parseCandidate('candidate:1 1 udp 2122260223 2001:db8::1 61001 typ host').address, '2001:db8::1');
    assert.equal(parseCandidate('candidate:a+b/ 2 TCP 1518280447 ::ffff:192.0.2.1 9 typ host tcptype active').transport, 'tcp');
  });

  it('refuses what is outside the grammar, with a reason', () => {
    assert.equal(badReason('a=candidate:1 1 udp 1 192.0.2.1 1 typ host'), 'prefix');
    assert.equal(badReason('candidate:1 1 udp 1 192.0.2.1 1 typ'), 'too_short');
    assert.equal(badReason('candidate:1  1 udp 1 192.0.2.1 1 typ host'), 'spacing');
    assert.equal(badReason('candidate:1 1 udp 1 192.0.2.1 1 typ host '), 'spacing');
    assert.equal(badReason('candidate:1 1 udp 1 192.0.2.1 65536 typ host'), 'port');
    assert.equal(badReason('candidate:1 1 udp 1 192.0.2.256 1 typ host'), 'address');
    assert.equal(badReason('candidate:1 1 udp 1 not_a_host 1 typ host'), 'address');
    assert.equal(badReason('candidate:1 1 udp 99999999999 192.0.2.1 1 typ host'), 'priority');
    assert.equal(badReason('candidate:1 0 udp 1 192.0.2.1 1 typ host'), 'component');
    assert.equal(badReason('candidate:1 1 udp 1 192.0.2.1 1 type host'), 'typ');
    assert.equal(badReason('candidate:1 1 udp 1 192.0.2.1 1 typ srflx raddr -bad- rport 1'), 'raddr');
    assert.equal(badReason('candidate:1 1 udp 1 192.0.2.1 1 typ srflx raddr 192.0.2.2 rport x'), 'rport');
    assert.equal(badReason('candidate:1 1 udp 1 192.0.2.1 1 typ host generation'), 'extension');
    assert.equal(badReason('candidate:1 1 udp 1 192.0.2.1 1 typ host generation 0 raddr 192.0.2.9'), 'raddr');
    assert.equal(badReason('candidate:1 1 udp 1 192.0.2.1 1 typ host\r\na=candidate:2'), 'characters');
    assert.equal(badReason(`candidate:${'1'.repeat(33)} 1 udp 1 192.0.2.1 1 typ host`), 'foundation');
    assert.equal(badReason(`candidate:1 1 udp 1 192.0.2.1 1 typ host x ${'y'.repeat(600)}`), 'too_long');
  });

  it('writes back raddr 0.0.0.0 rport 0 and only known extensions', () => {
    const c = parseCandidate('candidate:3 1 udp 1686052607 203.0.113.45 61002 typ srflx raddr 192.168.1.23 rport 61000 generation 0 ufrag abcd laddr 192.168.1.23 network-cost 10');
    assert.equal(formatCandidate(c), 'candidate:3 1 udp 1686052607 203.0.113.45 61002 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag abcd network-cost 10');
    // RFC 8839 requires rel-addr for relay candidates: added when missing.
    assert.equal(formatCandidate(parseCandidate('candidate:5 1 udp 41885439 198.51.100.7 3478 typ relay')), 'candidate:5 1 udp 41885439 198.51.100.7 3478 typ relay raddr 0.0.0.0 rport 0');
    assert.equal(formatCandidate(parseCandidate('candidate:1 1 udp 1 192.0.2.1 1 typ host')), 'candidate:1 1 udp 1 192.0.2.1 1 typ host');
  });

  it('drops non-relay candidates of a relay-only side and what it does not understand', () => {
    const of = (s: string, relayOnly: boolean) => dropReason(parseCandidate(s), relayOnly);
    assert.equal(of('candidate:1 1 udp 1 192.0.2.1 1 typ host', true), 'relay_only');
    assert.equal(of('candidate:1 1 udp 1 x.local 1 typ host', true), 'relay_only');
    assert.equal(of('candidate:1 1 udp 1 192.0.2.1 1 typ srflx raddr 0.0.0.0 rport 0', true), 'relay_only');
    assert.equal(of('candidate:1 1 udp 1 192.0.2.1 1 typ prflx raddr 0.0.0.0 rport 0', true), 'relay_only');
    assert.equal(of('candidate:1 1 udp 1 192.0.2.1 1 typ relay raddr 0.0.0.0 rport 0', true), null);
    assert.equal(of('candidate:1 1 udp 1 192.0.2.1 1 typ host', false), null);
    assert.equal(of('candidate:1 1 sctp 1 192.0.2.1 1 typ host', false), 'unknown_transport');
    assert.equal(of('candidate:1 1 udp 1 192.0.2.1 1 typ magic', false), 'unknown_type');
  });

  it('knows IPv6 text forms', () => {
    for (const a of ['::', '::1', '2001:db8::1', 'fe80::1:2:3:4', '1:2:3:4:5:6:7:8', '::ffff:192.0.2.1', '64:ff9b::192.0.2.33']) assert.ok(isIPv6(a), a);
    for (const a of [':', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '1.2.3.4', '::ffff:192.0.2', '1:2:3:4:5:6:7::8:9']) assert.ok(!isIPv6(a), a);
  });
});
